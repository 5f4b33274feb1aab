#include "protocol/http/http_client.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"
#include "protocol/http/http_writer.hpp"

namespace dialtone::protocol {

const char* to_string(HttpClientError e) {
  switch (e) {
    case HttpClientError::kNone: return "none";
    case HttpClientError::kBadRequest: return "bad request";
    case HttpClientError::kNoSlot: return "no free slot";
    case HttpClientError::kConnect: return "connect failed";
    case HttpClientError::kTimeout: return "timed out";
    case HttpClientError::kClosed: return "connection closed before the answer";
    case HttpClientError::kResponse: return "bad response";
  }
  return "?";
}

std::optional<std::int64_t> HttpResult::retry_after_s() const {
  auto v = header("Retry-After");
  if (!v || v->empty() || v->size() > 9) return std::nullopt;
  std::int64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

namespace {
HttpResult failed(HttpClientError e, StreamError se = StreamError::kNone, HttpParseError pe = HttpParseError::kNone) {
  HttpResult r;
  r.error = e;
  r.stream = se;
  r.parse = pe;
  return r;
}
}  // namespace

HttpClient::HttpClient(EventLoop& loop, TransportPool& pool) : loop_(loop), pool_(pool) {}

HttpClient::~HttpClient() { cancel_all(); }

void HttpClient::cancel_all() {
  for (Slot& s : slots_) {
    s.done.reset();
    drop_connection(s);
  }
}

std::size_t HttpClient::in_flight() const {
  std::size_t n = 0;
  for (const Slot& s : slots_) n += s.state == Slot::State::kBusy ? 1 : 0;
  return n;
}

void HttpClient::drop_connection(Slot& s) {
  s.gen = ++gen_;
  loop_.cancel_timer(s.timer);
  if (s.stream) pool_.release(s.stream);
  s.stream = nullptr;
  s.state = Slot::State::kFree;
}

bool HttpClient::send(const HttpRequest& req, HttpCallback done) {
  Url url;
  UrlError ue = parse_url(req.url, url);
  if (ue != UrlError::kOk || !(url.scheme == Scheme::kHttp || url.scheme == Scheme::kHttps)) {
    DT_LOGW("http", "refusing request: %s", ue != UrlError::kOk ? to_string(ue) : "not an http(s) URL");
    return false;
  }
  Slot* pick = nullptr;
  bool reuse = false;
  for (Slot& s : slots_)  // an open connection to the same origin first
    if (s.state == Slot::State::kIdle && s.secure == url.secure() && s.host == url.host.view() && s.port == url.port &&
        s.stream && s.stream->is_open()) {
      pick = &s;
      reuse = true;
      break;
    }
  for (Slot& s : slots_)
    if (!pick && s.state == Slot::State::kFree) pick = &s;
  for (Slot& s : slots_)
    if (!pick && s.state == Slot::State::kIdle) {
      drop_connection(s);  // an idle connection elsewhere gives way
      pick = &s;
    }
  if (!pick) {
    DT_LOGW("http", "all %zu request slots busy (limits::kHttpClientSlots)", limits::kHttpClientSlots);
    return false;
  }
  Slot& s = *pick;
  std::size_t n = write_http_request(s.req, req.method, url, req.headers, req.body);
  if (n == 0) {
    DT_LOGW("http", "request %.*s %s does not fit (%zu bytes max) or has an invalid header",
            static_cast<int>(req.method.size()), req.method.data(), url.path().data(), limits::kHttpRequestMax);
    return false;
  }
  s.req_len = n;
  s.secure = url.secure();
  s.host.assign(url.host.view());
  s.port = url.port;
  s.timeout_ms = req.timeout_ms;
  s.parser.reset();
  if (req.method == "HEAD") s.parser.expect_no_body();
  if (!start(s, reuse)) return false;
  s.done = std::move(done);
  return true;
}

bool HttpClient::start(Slot& s, bool reuse) {
  loop_.cancel_timer(s.timer);
  s.gen = ++gen_;
  std::uint32_t g = s.gen;
  std::size_t i = index(s);
  StreamHandler handler = [this, i, g](StreamEvent ev, StreamError err) {
    if (slots_[i].gen == g) on_stream(slots_[i], ev, err);
  };
  if (reuse) {
    s.stream->set_handler(std::move(handler));
  } else {
    if (s.stream) pool_.release(s.stream);
    s.stream = pool_.acquire(s.secure);
    if (!s.stream) {
      s.state = Slot::State::kFree;
      return false;
    }
    s.stream->open(s.host.view(), s.port, s.timeout_ms, std::move(handler));
  }
  s.reused = reuse;
  s.got_bytes = false;
  s.state = Slot::State::kBusy;
  if (!s.stream->send(std::string_view(s.req, s.req_len))) {
    drop_connection(s);
    return false;
  }
  s.timer = loop_.add_timer(s.timeout_ms, [this, i, g] {
    Slot& sl = slots_[i];
    if (sl.gen != g) return;
    sl.timer = TimerId{};
    DT_LOGW("http", "%s:%u: no complete answer within %lld ms", sl.host.c_str(), static_cast<unsigned>(sl.port),
            static_cast<long long>(sl.timeout_ms));
    char took[24];
    char what[48];
    std::snprintf(what, sizeof what, "no answer within %s", format_seconds(took, sl.timeout_ms).data());
    fail_connect(sl, HttpClientError::kTimeout, StreamError::kTimeout, what);
  });
  return true;
}

void HttpClient::on_stream(Slot& s, StreamEvent ev, StreamError err) {
  switch (ev) {
    case StreamEvent::kOpen: return;
    case StreamEvent::kReadable: on_readable(s); return;
    case StreamEvent::kClosed:
      if (s.state != Slot::State::kBusy) {
        drop_connection(s);
      } else if (s.reused && !s.got_bytes) {
        start(s, false);  // the idle connection had died; once more on a new one
      } else {
        bool timed_out = err == StreamError::kTimeout || err == StreamError::kResolveTimeout;
        fail_connect(s, timed_out ? HttpClientError::kTimeout : HttpClientError::kConnect, err,
                     s.stream ? s.stream->failure() : std::string_view{});
      }
      return;
  }
}

void HttpClient::on_readable(Slot& s) {
  std::uint8_t buf[limits::kStreamReadChunk];
  std::uint32_t g = s.gen;
  while (s.gen == g && s.stream) {
    IoResult r = s.stream->read(buf);
    if (r.status == IoStatus::kWouldBlock) return;
    if (s.state != Slot::State::kBusy) {  // idle: the server closed it, or sent junk
      drop_connection(s);
      return;
    }
    if (r.status != IoStatus::kOk) {
      if (s.reused && !s.got_bytes) {
        start(s, false);
      } else if (r.status == IoStatus::kEof && s.parser.finish() == HttpParseStatus::kComplete) {
        complete(s, HttpResult{});
      } else {
        complete(s, failed(HttpClientError::kClosed, StreamError::kReset, s.parser.error()));
      }
      return;
    }
    s.got_bytes = true;
    std::span<const std::uint8_t> data(buf, r.n);
    while (!data.empty()) {
      HttpFeedResult fr = s.parser.feed(data);
      data = data.subspan(fr.consumed);
      if (fr.status == HttpParseStatus::kNeedMore) break;
      if (fr.status == HttpParseStatus::kError) {
        DT_LOGW("http", "%s:%u: bad answer: %s (%s)", s.host.c_str(), static_cast<unsigned>(s.port),
                to_string(s.parser.error()), s.parser.detail());
        complete(s, failed(HttpClientError::kResponse, StreamError::kNone, s.parser.error()));
        return;
      }
      if (s.parser.status() >= 100 && s.parser.status() < 200) {  // 100 Continue and friends: not the answer
        s.parser.reset();
        continue;
      }
      complete(s, HttpResult{});
      return;
    }
  }
}

void HttpClient::fail_connect(Slot& s, HttpClientError e, StreamError se, std::string_view what) {
  HttpResult r = failed(e, se);
  r.reason = describe_connect_failure(reason_, s.host.view(), s.port, se, what);
  complete(s, r);
}

void HttpClient::complete(Slot& s, HttpResult r) {
  loop_.cancel_timer(s.timer);
  bool answered = r.error == HttpClientError::kNone;
  bool keep = answered && s.parser.complete() && s.parser.keep_alive() && s.stream && s.stream->is_open();
  if (answered) {
    r.status = s.parser.status();
    r.headers = s.parser.headers();
    r.body = s.parser.body();
  }
  if (!keep) {
    if (s.stream) pool_.release(s.stream);
    s.stream = nullptr;
  }
  s.gen = ++gen_;
  s.state = Slot::State::kInCallback;  // not picked by a request the callback makes
  HttpCallback done = std::move(s.done);
  s.done.reset();
  std::uint32_t g = s.gen;
  if (done) done(r);
  if (s.gen != g || s.state != Slot::State::kInCallback) return;  // cancel_all() ran
  if (!keep) {
    s.state = Slot::State::kFree;
    return;
  }
  s.state = Slot::State::kIdle;
  std::size_t i = index(s);
  s.stream->set_handler([this, i, g](StreamEvent ev, StreamError err) {
    if (slots_[i].gen == g) on_stream(slots_[i], ev, err);
  });
  s.timer = loop_.add_timer(limits::kHttpIdleCloseMs, [this, i, g] {
    if (slots_[i].gen != g) return;
    slots_[i].timer = TimerId{};
    drop_connection(slots_[i]);
  });
}

}  // namespace dialtone::protocol
