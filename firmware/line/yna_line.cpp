#include "firmware/line/yna_line.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "firmware/core/atomic_file.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::line {

using namespace protocol::yna;

namespace {
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr TimeMs kRefreshRetryMs = 5000;    // refresh got no usable answer
constexpr TimeMs kOfflineRetryMs = 5000;    // status got no answer at all
constexpr TimeMs kChannelConnectTimeoutMs = 10000;
char g_token_file[limits::kYnaTokenFileMax];
constexpr const char* kByUser = "unlinked by the user";
}  // namespace

YnaLine::YnaLine(EventLoop& loop, Csprng& rng, const config::YnaConfig& cfg, std::string_view state_dir,
                 LineObserver& observer)
    : loop_(loop),
      cfg_(cfg),
      observer_(observer),
      rng_(rng),
      pool_(loop),
      http_(loop, pool_),
      ws_(loop, pool_, rng_),
      rest_(loop, http_, pop_, rng_, *this),
      channel_(*this, ChannelTiming{TimeMs{cfg.ping_interval_s} * 1000, TimeMs{cfg.pong_timeout_s} * 1000}) {
  state_dir_.assign(state_dir);
  token_path_.assign(state_dir);
  token_path_.append("/yna-tokens.json");
  protocol::WebSocketClient::Callbacks cb;
  cb.on_open = [this] {
    channel_.on_open(loop_.now());
    kick();
  };
  cb.on_text = [this](std::string_view t) {
    channel_.on_text(loop_.now(), t);
    kick();
  };
  cb.on_pong = [this](std::span<const std::uint8_t>) { channel_.on_pong(loop_.now()); };
  cb.on_close = [this](std::uint16_t code, std::string_view) {
    channel_.on_closed(loop_.now(), code);
    kick();
  };
  cb.on_error = [this](const protocol::WsFailure& f) { channel_failed(f); };
  ws_.set_callbacks(std::move(cb));
}

void YnaLine::channel_failed(const protocol::WsFailure& f) {
  ChannelFailure k = ChannelFailure::kConnect;
  if (f.kind == protocol::WsFailure::Kind::kUpgradeRefused) k = ChannelFailure::kUpgradeRefused;
  else if (f.kind == protocol::WsFailure::Kind::kBadHandshake) k = ChannelFailure::kBadHandshake;
  else if (f.kind == protocol::WsFailure::Kind::kConnectionLost) k = ChannelFailure::kConnectionLost;
  DT_LOGW("yna", "channel: %s (%s, HTTP %d)", protocol::to_string(f.kind), protocol::to_string(f.stream),
          f.http_status);
  // Kept for the line's reason, should this attempt leave the line offline.
  if (!f.reason.empty()) {
    channel_failure_.assign(f.reason);
  } else {
    char why[64];
    if (f.http_status)
      std::snprintf(why, sizeof why, "notification channel: %s (HTTP %d)", protocol::to_string(f.kind),
                    f.http_status);
    else
      std::snprintf(why, sizeof why, "notification channel: %s", protocol::to_string(f.kind));
    channel_failure_.assign(why);
  }
  channel_.set_random(0);  // no jitter when the generator fails (logged)
  if (std::uint32_t r = 0; rng_.uint32(r)) channel_.set_random(r);
  channel_.on_failed(loop_.now(), k, f.http_status);
  kick();
}

YnaLine::~YnaLine() { stop(); }

std::int64_t YnaLine::unix_now() const { return static_cast<std::int64_t>(::time(nullptr)); }

bool YnaLine::start() {
  bool ok = true;
  if (!rng_.ready()) {
    add_error("no randomness: the line cannot work");
    ok = false;
  }
  const char* ca = cfg_.ca_file.empty() ? kSystemCaBundle : cfg_.ca_file.c_str();
  if (ok && !tls_.init(ca, rng_)) {
    add_error("yna.ca_file could not be loaded");
    ok = false;
  }
  if (ok && !pool_.init(&tls_)) {
    add_error("TLS set-up failed");
    ok = false;
  }
  pool_.set_dns_servers(cfg_.dns_servers.view());  // empty: the system's resolvers
  if (ok && !pop_.load_key_file(cfg_.pop_key_file.c_str())) {
    add_error("yna.pop_key_file could not be loaded");
    ok = false;
  }
  YnaEndpoints ep;
  ep.auth_url.assign(cfg_.auth_url.view());
  ep.api_url.assign(cfg_.api_url.view());
  ep.call_url.assign(cfg_.call_url.view());
  ep.client_id.assign(cfg_.client_id.view());
  ep.client_secret.assign(cfg_.client_secret.view());
  rest_.set_endpoints(ep);
  started_ = ok;
  if (ok) {
    long n = read_file(token_path_.c_str(), g_token_file);
    if (n > 0) {
      TokenError e = parse_token_file({g_token_file, static_cast<std::size_t>(n)}, pending_);
      if (e == TokenError::kOk) {
        tokens_.set(pending_, loop_.now(), unix_now());
        DT_LOGI("yna", "linked: tokens loaded");
        begin_registration();
      } else {
        DT_LOGE("yna", "%s: %s; the line must be linked again", token_path_.c_str(), to_string(e));
        add_error("stored tokens unreadable: link again");
      }
    } else {
      DT_LOGI("yna", "not linked yet: open the local web page and choose Link");
    }
  }
  update_state();
  if (!reported_) {
    reported_ = true;
    reported_msisdn_.assign(msisdn_.view());
    observer_.on_line_state(state_, msisdn_.view(), reason_.view());
  }
  return ok;
}

void YnaLine::stop() {
  loop_.cancel_timer(timer_);
  timer_at_ = kNever;
  channel_.stop();
  ws_.abort();
  rest_.cancel_all();
  http_.cancel_all();
}

// --- the loop side ------------------------------------------------------------------

void YnaLine::kick() {
  // Runs pump() from the loop, never from inside an engine or client call.
  if (timer_at_ <= loop_.now()) return;
  loop_.cancel_timer(timer_);
  timer_at_ = loop_.now();
  timer_ = loop_.add_timer(0, [this] {
    timer_ = {};
    timer_at_ = kNever;
    pump();
  });
}

void YnaLine::arm() {
  TimeMs at = tokens_.next_wakeup();
  TimeMs r = reg_.next_wakeup();
  TimeMs c = channel_.next_wakeup();
  if (r < at) at = r;
  if (c < at) at = c;
  if (at == timer_at_) return;
  loop_.cancel_timer(timer_);
  timer_at_ = at;
  if (at == kNever) return;
  timer_ = loop_.add_timer_at(at, [this] {
    timer_ = {};
    timer_at_ = kNever;
    pump();
  });
}

void YnaLine::pump() {
  TimeMs now = loop_.now();
  if (connect_failed_) {
    connect_failed_ = false;
    channel_.on_failed(now, ChannelFailure::kConnect, 0);
  }
  if (tokens_.refresh_due(now) && !unlinking_) send_refresh();
  if (reg_.request_due(now) && !tokens_.refreshing() && tokens_.has_tokens() && !unlinking_) send_status();
  channel_.tick(now);
  update_state();
  arm();
}

void YnaLine::update_state() {
  YnaLineFacts f;
  f.has_tokens = tokens_.has_tokens() && !unlinking_;
  f.linking = linking_;
  f.registered = registered_;
  f.channel_usable = channel_.usable();
  f.network_down = network_down_;
  f.channel_offline = channel_.offline();
  LineState s = derive_yna_line_state(f);
  std::string_view reason = yna_line_reason(f, rest_failure_.view(), channel_failure_.view());
  if (s == state_ && msisdn_ == reported_msisdn_.view() && reason_ == reason) return;
  if (s != state_) DT_LOGI("yna", "line %s -> %s", line_state_name(state_), line_state_name(s));
  state_ = s;
  reported_msisdn_.assign(msisdn_.view());
  reason_.assign(reason);
  if (reported_) observer_.on_line_state(state_, msisdn_.view(), reason_.view());
}

void YnaLine::add_error(std::string_view msg) {
  DT_LOGW("yna", "%.*s", static_cast<int>(msg.size()), msg.data());
  observer_.on_line_error(msg);
}

void YnaLine::rest_answered(const YnaResult& r) {
  // Any answer at all means the network is reachable.
  bool down = r.kind == YnaResult::Kind::kTransport;
  if (down) rest_failure_.assign(r.reason.empty() ? std::string_view("no answer from the network") : r.reason);
  else rest_failure_.clear();
  if (down != network_down_) {
    network_down_ = down;
    if (down) add_error(rest_failure_.view());
  }
}

// --- tokens -------------------------------------------------------------------------

bool YnaLine::store_tokens(const TokenPair& p) {
  if (unlinking_) return false;
  std::size_t n = serialize_tokens(p, g_token_file);
  if (n == 0 || !write_file_atomic(token_path_.c_str(), {g_token_file, n}, 0600)) {
    DT_LOGE("yna", "could not store the new tokens in %s", token_path_.c_str());
    add_error("could not store the tokens");
    return false;
  }
  return true;
}

void YnaLine::erase_tokens() {
  if (::unlink(token_path_.c_str()) != 0 && errno != ENOENT) {
    DT_LOGE("yna", "could not erase %s: %s", token_path_.c_str(), std::strerror(errno));
    // Leave nothing usable behind: overwrite with an empty (invalid) pair.
    write_file_atomic(token_path_.c_str(), "{}", 0600);
    return;
  }
  // The removal itself must survive a power cut: sync the directory.
  int dfd = ::open(state_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void YnaLine::refresh_needed() {
  tokens_.refresh_now(loop_.now());
  kick();
}

void YnaLine::send_refresh() {
  if (!tokens_.begin_refresh()) return;
  DT_LOGI("yna", "refreshing the access token");
  if (!rest_.token_refresh(tokens_.refresh_token(), [this](const YnaResult& r) { on_refresh(r); })) {
    tokens_.end_refresh();
    tokens_.refresh_later(loop_.now() + 1000);
  }
}

void YnaLine::on_refresh(const YnaResult& r) {
  tokens_.end_refresh();
  rest_answered(r);
  TimeMs now = loop_.now();
  if (r.ok()) {
    TokenError e = parse_token_response(r.body, unix_now(), pending_);
    if (e == TokenError::kOk) {
      store_tokens(pending_);  // before use: the old refresh token may be retired already
      tokens_.set(pending_, now, unix_now());
      DT_LOGI("yna", "access token refreshed (x-transaction-id %.*s)", static_cast<int>(r.txid.size()), r.txid.data());
      rest_.on_refresh_result(true);
      kick();
      return;
    }
    DT_LOGE("yna", "token response: %s (x-transaction-id %.*s)", to_string(e), static_cast<int>(r.txid.size()),
            r.txid.data());
  }
  if (r.kind == YnaResult::Kind::kHttpError && r.status >= 400 && r.status < 500 && r.status != 408 &&
      r.status != 429) {
    // The refresh token is refused: the user must link again (yna-wire 2).
    rest_.on_refresh_result(false);
    become_unlinked("the network refused the refresh token: link again");
    return;
  }
  // No usable answer: keep the tokens, try again shortly.
  tokens_.refresh_later(now + kRefreshRetryMs);
  kick();
}

// --- linking --------------------------------------------------------------------------

void YnaLine::link_started() {
  linking_ = true;
  update_state();
}

void YnaLine::link_cancelled(std::string_view why) {
  linking_ = false;
  add_error(why);
  update_state();
}

void YnaLine::link_complete(std::string_view code) {
  linking_ = true;
  if (!started_) {
    add_error("the line is not set up (see the errors above)");
    linking_ = false;
    update_state();
    return;
  }
  if (!rest_.token_from_code(code, cfg_.redirect_uri.view(), [this](const YnaResult& r) { on_code(r); })) {
    add_error("could not send the token request");
    linking_ = false;
  }
  update_state();
}

void YnaLine::on_code(const YnaResult& r) {
  rest_answered(r);
  linking_ = false;
  if (r.ok()) {
    TokenError e = parse_token_response(r.body, unix_now(), pending_);
    if (e == TokenError::kOk) {
      unlinking_ = false;
      store_tokens(pending_);
      tokens_.set(pending_, loop_.now(), unix_now());
      DT_LOGI("yna", "linked (x-transaction-id %.*s)", static_cast<int>(r.txid.size()), r.txid.data());
      // A relink replaces whatever was running.
      channel_.stop();
      ws_.abort();
      begin_registration();
      return;
    }
    DT_LOGE("yna", "token response: %s", to_string(e));
    add_error("the token response was unusable");
  } else {
    add_error(r.kind == YnaResult::Kind::kTransport ? "token exchange: network unreachable"
                                                    : "token exchange refused by the network");
  }
  update_state();
}

// --- registration and channel -------------------------------------------------------

void YnaLine::begin_registration() {
  registered_ = false;
  reg_.start(loop_.now());
  kick();
}

void YnaLine::send_status() {
  reg_.request_sent();
  if (!rest_.account_status([this](const YnaResult& r) { on_status(r); })) reg_.retry_after(loop_.now(), 1000);
}

void YnaLine::on_status(const YnaResult& r) {
  TimeMs now = loop_.now();
  rest_answered(r);
  if (r.kind == YnaResult::Kind::kUnlinked) {
    become_unlinked("the access token was refused and could not be refreshed: link again");
    return;
  }
  if (r.kind == YnaResult::Kind::kTransport || r.kind == YnaResult::Kind::kNotSent) {
    reg_.retry_after(now, kOfflineRetryMs);
    kick();
    return;
  }
  switch (reg_.on_response(now, r.status, r.retry_after_s, r.body)) {
    case Registration::Outcome::kRegistered:
      registered_ = true;
      msisdn_.assign(reg_.info().msisdn.view());
      channel_url_.assign(reg_.info().channel_url.view());
      DT_LOGI("yna", "registered as %s", msisdn_.c_str());
      if (channel_.state() == ChannelEngine::State::kFetchingStatus) channel_.on_new_url(now);
      else if (!channel_.up() && channel_.state() != ChannelEngine::State::kConnecting) channel_.start(now);
      break;
    case Registration::Outcome::kWaiting:
      DT_LOGI("yna", "registration in progress (202)");
      break;
    case Registration::Outcome::kFailed:
      add_error("account/status failed");
      reg_.retry_after(now, Registration::kErrorRetryMs);
      break;
  }
  kick();
}

void YnaLine::channel_connect() {
  if (ws_.state() != protocol::WebSocketClient::State::kIdle) ws_.abort();
  FixedString<limits::kTokenMax + 16> authz;
  authz.assign("Bearer ");
  authz.append(tokens_.access_token());
  protocol::Url u;
  static FixedString<limits::kTokenMax> pop;
  bool ok = protocol::parse_url(channel_url_.view(), u) == protocol::UrlError::kOk;
  if (ok) {
    protocol::PopRequest pr{"GET", u.target.view(), authz.view(), {}, {}};
    ok = pop_.sign_request(pr, unix_now(), rng_, pop) == protocol::PopError::kOk;
  }
  if (ok) {
    protocol::HttpHeader h[] = {{"Authorization", authz.view()}, {"X-Authorization", pop.view()}};
    DT_LOGI("yna", "channel: connecting");
    ok = ws_.connect(channel_url_.view(), h, kChannelConnectTimeoutMs);
  }
  if (!ok) {
    DT_LOGE("yna", "channel: could not start the connection");
    channel_failure_.assign("notification channel: the connection could not be started");
    connect_failed_ = true;
    kick();
  }
}

void YnaLine::channel_fetch_status() {
  reg_.start(loop_.now());
  kick();
}

void YnaLine::channel_send_text(std::string_view text) {
  if (!ws_.send_text(text)) DT_LOGW("yna", "channel: could not queue an acknowledgement");
}

void YnaLine::channel_send_ping() { ws_.send_ping(); }

void YnaLine::channel_drop() { ws_.abort(); }

void YnaLine::channel_changed() { update_state(); }

// --- unlinking ------------------------------------------------------------------------

void YnaLine::become_unlinked(const char* why) {
  DT_LOGW("yna", "unlinked: %s", why);
  if (std::strcmp(why, kByUser) != 0) add_error(why);
  channel_.stop();
  ws_.abort();
  reg_.stop();
  erase_tokens();
  tokens_.clear();
  registered_ = false;
  network_down_ = false;
  unlinking_ = false;
  linking_ = false;
  msisdn_.clear();
  channel_url_.clear();
  update_state();
  arm();
}

void YnaLine::unlink() {
  DT_LOGI("yna", "unlinking");
  if (!tokens_.has_tokens() || !started_) {
    become_unlinked(kByUser);
    return;
  }
  // The device closes the channel itself (the network does not).
  channel_.stop();
  ws_.close(protocol::ws_close::kNormal);
  reg_.stop();
  unlinking_ = true;
  bool sent = rest_.account_unlink([this](const YnaResult& r) {
    rest_answered(r);
    if (!r.ok())
      DT_LOGW("yna", "account/unlink answered %s %d; tokens erased anyway", to_string(r.kind), r.status);
    become_unlinked(kByUser);
  });
  // Erase at once: a power cut before the answer must not leave a link behind.
  erase_tokens();
  if (!sent) become_unlinked(kByUser);
  else update_state();
}

}  // namespace dialtone::line
