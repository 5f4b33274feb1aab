#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "protocol/http/http_parser.hpp"
#include "protocol/http/http_writer.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

// Feeds `msg` in two pieces split at `cut`; returns total bytes consumed.
std::size_t feed_split(HttpMessageParser& p, std::string_view msg, std::size_t cut, HttpParseStatus& st) {
  auto r1 = p.feed(msg.substr(0, cut));
  st = r1.status;
  if (st != HttpParseStatus::kNeedMore) return r1.consumed;
  auto r2 = p.feed(msg.substr(cut));
  st = r2.status;
  return r1.consumed + r2.consumed;
}

const std::string kChunked =
    "HTTP/1.1 202 Accepted\r\n"
    "Retry-After: 2\r\n"
    "X-Long: part-one\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "7;ext=1\r\n, world\r\n"
    "0\r\n"
    "\r\n";

}  // namespace

TEST(HttpResponseParser, ContentLengthAtEveryByteBoundary) {
  const std::string msg =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\n";
  auto p = std::make_unique<HttpResponseParser>();
  for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
    p->reset();
    HttpParseStatus st;
    EXPECT_EQ(feed_split(*p, msg, cut, st), msg.size()) << cut;
    ASSERT_EQ(st, HttpParseStatus::kComplete) << cut;
    EXPECT_EQ(p->status(), 200);
    EXPECT_EQ(p->header("content-type"), std::optional<std::string_view>("application/json"));
    EXPECT_EQ(p->body(), "{\"a\":\"bc\"}\n");
    EXPECT_TRUE(p->keep_alive());
  }
}

TEST(HttpResponseParser, ChunkedAtEveryByteBoundaryAndByteByByte) {
  auto p = std::make_unique<HttpResponseParser>();
  for (std::size_t cut = 0; cut <= kChunked.size(); ++cut) {
    p->reset();
    HttpParseStatus st;
    EXPECT_EQ(feed_split(*p, kChunked, cut, st), kChunked.size()) << cut;
    ASSERT_EQ(st, HttpParseStatus::kComplete) << cut;
    EXPECT_EQ(p->status(), 202);
    EXPECT_EQ(p->header("Retry-After"), std::optional<std::string_view>("2"));
    EXPECT_EQ(p->header("x-long"), std::optional<std::string_view>("part-one"));
    EXPECT_EQ(p->body(), "hello, world");
  }
  p->reset();
  HttpFeedResult r{};
  for (char c : kChunked) r = p->feed(std::string_view(&c, 1));
  EXPECT_EQ(r.status, HttpParseStatus::kComplete);
  EXPECT_EQ(p->body(), "hello, world");
  ASSERT_EQ(p->headers().size(), 3u);
  EXPECT_EQ(p->headers()[2].name, "Transfer-Encoding");
}

TEST(HttpResponseParser, StopsAtMessageEnd) {
  auto p = std::make_unique<HttpResponseParser>();
  std::string two = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
  auto r = p->feed(two);
  ASSERT_EQ(r.status, HttpParseStatus::kComplete);
  EXPECT_EQ(r.consumed, 27u);
  EXPECT_EQ(p->status(), 204);
  p->reset();
  r = p->feed(std::string_view(two).substr(27));
  ASSERT_EQ(r.status, HttpParseStatus::kComplete);
  EXPECT_EQ(p->body(), "x");
}

TEST(HttpResponseParser, SwitchingProtocolsLeavesFrameBytes) {
  // Even a (bogus) chunked 101 must not eat the first WebSocket byte.
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Transfer-Encoding: chunked\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  const std::string frame = "\x81\x02hi";
  auto p = std::make_unique<HttpResponseParser>();
  for (std::size_t cut = 0; cut <= head.size(); ++cut) {
    p->reset();
    std::string all = head + frame;
    HttpParseStatus st;
    std::size_t used = feed_split(*p, all, cut, st);
    ASSERT_EQ(st, HttpParseStatus::kComplete) << cut;
    EXPECT_EQ(used, head.size()) << cut;
    EXPECT_EQ(p->status(), 101);
    EXPECT_TRUE(p->upgrade());
  }
}

TEST(HttpResponseParser, BodyUntilClose) {
  auto p = std::make_unique<HttpResponseParser>();
  ASSERT_EQ(p->feed("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npartial").status, HttpParseStatus::kNeedMore);
  EXPECT_EQ(p->finish(), HttpParseStatus::kComplete);
  EXPECT_EQ(p->body(), "partial");
  EXPECT_FALSE(p->keep_alive());
  p->reset();
  ASSERT_EQ(p->feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").status, HttpParseStatus::kNeedMore);
  EXPECT_EQ(p->finish(), HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kIncomplete);
}

TEST(HttpResponseParser, HeadResponseHasNoBody) {
  auto p = std::make_unique<HttpResponseParser>();
  p->expect_no_body();
  auto r = p->feed("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n");
  EXPECT_EQ(r.status, HttpParseStatus::kComplete);
  EXPECT_TRUE(p->body().empty());
}

TEST(HttpResponseParser, OversizeIsANamedError) {
  auto p = std::make_unique<HttpResponseParser>();
  std::string big_cl = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(limits::kHttpBodyMax + 1) + "\r\n\r\n";
  EXPECT_EQ(p->feed(big_cl).status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kBodyTooLarge);

  p->reset();
  std::string chunk(limits::kHttpBodyMax / 2 + 1, 'x');
  char len[16];
  std::snprintf(len, sizeof len, "%zx", chunk.size());
  std::string big_chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(len) + "\r\n" +
                            chunk + "\r\n" + len + "\r\n" + chunk + "\r\n0\r\n\r\n";
  EXPECT_EQ(p->feed(big_chunked).status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kBodyTooLarge);

  p->reset();
  std::string big_hdr = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(limits::kHttpHeaderMax, 'h') + "\r\n\r\n";
  EXPECT_EQ(p->feed(big_hdr).status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kHeadersTooLarge);

  p->reset();
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; i <= limits::kHttpHeadersMax; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(p->feed(many + "\r\n").status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kTooManyHeaders);

  p->reset();
  EXPECT_EQ(p->feed("HTTP/1.1 2x0 OK\r\n\r\n").status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kMalformed);
  EXPECT_STRNE(p->detail(), "HPE_OK");
  // Errors are sticky until reset.
  EXPECT_EQ(p->feed("HTTP/1.1 200 OK\r\n\r\n").status, HttpParseStatus::kError);
}

TEST(HttpRequestParser, RequestWithBodyAtEveryByteBoundary) {
  const std::string msg =
      "POST /link/callback?code=C1&state=S%20x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nnumber=42";
  auto p = std::make_unique<HttpRequestParser>();
  for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
    p->reset();
    HttpParseStatus st;
    EXPECT_EQ(feed_split(*p, msg, cut, st), msg.size());
    ASSERT_EQ(st, HttpParseStatus::kComplete) << cut;
    EXPECT_EQ(p->method(), "POST");
    EXPECT_EQ(p->target(), "/link/callback?code=C1&state=S%20x");
    EXPECT_EQ(p->path(), "/link/callback");
    EXPECT_EQ(p->query(), "code=C1&state=S%20x");
    EXPECT_EQ(p->header("host"), std::optional<std::string_view>("127.0.0.1:8080"));
    EXPECT_EQ(p->body(), "number=42");
  }
}

TEST(HttpRequestParser, HttpTenClosesAndGetHasNoBody) {
  auto p = std::make_unique<HttpRequestParser>();
  ASSERT_EQ(p->feed("GET / HTTP/1.0\r\n\r\n").status, HttpParseStatus::kComplete);
  EXPECT_FALSE(p->keep_alive());
  EXPECT_EQ(p->path(), "/");
  EXPECT_TRUE(p->query().empty());
  p->reset();
  EXPECT_EQ(p->feed("BREW /pot HTTP/1.1\r\n\r\n").status, HttpParseStatus::kError);
  EXPECT_EQ(p->error(), HttpParseError::kMalformed);
}

TEST(HttpWriter, RequestRoundTripsThroughTheParser) {
  Url u;
  ASSERT_EQ(parse_url("https://127.0.0.1:9443/start?x=1", u), UrlError::kOk);
  HttpHeader hs[] = {{"Authorization", "Bearer t"}, {"X-Authorization", "a.b.c"}, {"Content-Type", "application/json"}};
  char buf[512];
  std::size_t n = write_http_request(buf, "POST", u, hs, "{\"a\":1}");
  ASSERT_GT(n, 0u);
  std::string_view text(buf, n);
  EXPECT_EQ(text.substr(0, 48), "POST /start?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9443\r\n");
  auto p = std::make_unique<HttpRequestParser>();
  ASSERT_EQ(p->feed(text).status, HttpParseStatus::kComplete);
  EXPECT_EQ(p->header("X-Authorization"), std::optional<std::string_view>("a.b.c"));
  EXPECT_EQ(p->header("Content-Length"), std::optional<std::string_view>("7"));
  EXPECT_EQ(p->body(), "{\"a\":1}");

  ASSERT_EQ(parse_url("https://api.example.com/x", u), UrlError::kOk);
  n = write_http_request(buf, "DELETE", u, {}, "");
  EXPECT_EQ(std::string_view(buf, n), "DELETE /x HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
}

TEST(HttpWriter, RefusesInjectionAndOverflow) {
  Url u;
  ASSERT_EQ(parse_url("http://h/", u), UrlError::kOk);
  char buf[256];
  HttpHeader evil[] = {{"X-A", "v\r\nX-Injected: 1"}};
  EXPECT_EQ(write_http_request(buf, "GET", u, evil, ""), 0u);
  HttpHeader badname[] = {{"X A", "v"}};
  EXPECT_EQ(write_http_request(buf, "GET", u, badname, ""), 0u);
  char tiny[20];
  EXPECT_EQ(write_http_request(tiny, "GET", u, {}, ""), 0u);
}

TEST(HttpWriter, ResponseRoundTrips) {
  char buf[256];
  HttpHeader hs[] = {{"Location", "/done"}};
  std::size_t n = write_http_response(buf, 302, hs, "", false);
  ASSERT_GT(n, 0u);
  auto p = std::make_unique<HttpResponseParser>();
  ASSERT_EQ(p->feed(std::string_view(buf, n)).status, HttpParseStatus::kComplete);
  EXPECT_EQ(p->status(), 302);
  EXPECT_EQ(p->header("location"), std::optional<std::string_view>("/done"));
  EXPECT_FALSE(p->keep_alive());
  n = write_http_response(buf, 200, {}, "ok");
  EXPECT_EQ(std::string_view(buf, n), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}
