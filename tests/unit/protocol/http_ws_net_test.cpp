// HttpClient and WebSocketClient against an independent aiohttp server on
// 127.0.0.1 (net_server.py), over TLS and plain TCP.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net_helpers.hpp"
#include "protocol/http/http_client.hpp"
#include "protocol/websocket/ws_client.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

class Net : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tls_port_ = nettest::free_port();
    plain_port_ = nettest::free_port();
    while (plain_port_ == tls_port_) plain_port_ = nettest::free_port();
    server_ = new nettest::Child({"/usr/bin/python3", nettest::script("net_server.py"), nettest::pki(""),
                                  std::to_string(tls_port_), std::to_string(plain_port_)},
                                 tls_port_);
    for (int i = 0; i < 200 && !nettest::port_accepts(plain_port_); ++i) usleep(25000);
  }
  static void TearDownTestSuite() { delete server_; }

  void SetUp() override {
    ASSERT_TRUE(rng_.init());
    ASSERT_TRUE(tls_.init(nettest::pki("ca.crt").c_str(), rng_));
    loop_ = std::make_unique<EventLoop>();
    pool_ = std::make_unique<TransportPool>(*loop_);
    ASSERT_TRUE(pool_->init(&tls_));
    http_ = std::make_unique<HttpClient>(*loop_, *pool_);
    ws_ = std::make_unique<WebSocketClient>(*loop_, *pool_, rng_);
  }
  void TearDown() override {
    ws_.reset();
    http_.reset();
    pool_.reset();
  }

  std::string https(const std::string& path) { return "https://127.0.0.1:" + std::to_string(tls_port_) + path; }
  std::string http(const std::string& path) { return "http://127.0.0.1:" + std::to_string(plain_port_) + path; }

  struct Got {
    bool done = false;
    HttpClientError error = HttpClientError::kNone;
    HttpParseError parse = HttpParseError::kNone;
    int status = 0;
    std::string body, conn, seen_auth, location, content_type, reason;
    std::optional<std::int64_t> retry_after;
  };

  Got request(HttpRequest req) {
    Got g;
    EXPECT_TRUE(http_->send(req, [&g](const HttpResult& r) {
      g.done = true;
      g.error = r.error;
      g.parse = r.parse;
      g.status = r.status;
      g.body = std::string(r.body);
      g.conn = std::string(r.header("x-conn").value_or(""));
      g.seen_auth = std::string(r.header("X-Seen-Auth").value_or(""));
      g.location = std::string(r.location().value_or(""));
      g.content_type = std::string(r.header("X-Content-Type").value_or(""));
      g.retry_after = r.retry_after_s();
      g.reason = std::string(r.reason);
    }));
    EXPECT_TRUE(nettest::run_until(*loop_, [&] { return g.done; }));
    return g;
  }

  static inline std::uint16_t tls_port_ = 0, plain_port_ = 0;
  static inline nettest::Child* server_ = nullptr;
  Csprng rng_;
  TlsContext tls_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TransportPool> pool_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<WebSocketClient> ws_;
};

}  // namespace

TEST_F(Net, HttpsGetCarriesExtraHeadersAndReusesTheConnection) {
  HttpHeader hs[] = {{"Authorization", "Bearer t"}, {"X-Authorization", "pop.token.here"}};
  Got a = request({"GET", https("/hello"), hs, "", 5000});
  ASSERT_EQ(a.error, HttpClientError::kNone) << to_string(a.error);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "hello");
  EXPECT_EQ(a.seen_auth, "pop.token.here");
  Got b = request({"GET", https("/hello"), hs, "", 5000});
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(a.conn, b.conn);  // same server-side connection: keep-alive reuse
}

TEST_F(Net, ChunkedRetryAfterPostLocation) {
  Got c = request({"GET", https("/chunked"), {}, "", 5000});
  EXPECT_EQ(c.status, 202);
  EXPECT_EQ(c.body, "chunk-one,chunk-two,end");
  EXPECT_EQ(c.retry_after, std::optional<std::int64_t>(2));
  HttpHeader ct[] = {{"Content-Type", "application/json"}};
  Got p = request({"POST", https("/echo"), ct, R"({"to":"tel:+14255550199"})", 5000});
  EXPECT_EQ(p.status, 201);
  EXPECT_EQ(p.body, R"({"to":"tel:+14255550199"})");
  EXPECT_EQ(p.location, "/made/1");
  EXPECT_EQ(p.content_type, "application/json");
  Got plain = request({"GET", http("/hello"), {}, "", 5000});
  EXPECT_EQ(plain.status, 200);
}

TEST_F(Net, OversizeTimeoutAndRefusedAreNamed) {
  Got big = request({"GET", https("/big"), {}, "", 5000});
  EXPECT_EQ(big.error, HttpClientError::kResponse);
  EXPECT_EQ(big.parse, HttpParseError::kBodyTooLarge);
  EXPECT_EQ(big.reason, "") << "an answer came: nothing to explain about reaching it";
  Got slow = request({"GET", https("/slow"), {}, "", 300});
  EXPECT_EQ(slow.error, HttpClientError::kTimeout);
  EXPECT_EQ(slow.reason, "cannot reach 127.0.0.1:" + std::to_string(tls_port_) + ": no answer within 0.3 s");
  std::uint16_t closed_port = nettest::free_port();
  Got refused = request({"GET", "https://127.0.0.1:" + std::to_string(closed_port) + "/", {}, "", 5000});
  EXPECT_EQ(refused.error, HttpClientError::kConnect);
  EXPECT_EQ(refused.reason, "cannot reach 127.0.0.1:" + std::to_string(closed_port) + ": connection refused");
  // And the client is still usable after all that.
  Got ok = request({"GET", https("/hello"), {}, "", 5000});
  EXPECT_EQ(ok.status, 200);
}

struct WsLog {
  bool open = false, closed = false, errored = false;
  std::vector<std::string> texts;
  int pongs = 0;
  std::uint16_t close_code = 0;
  std::string close_reason;
  WsFailure failure{};
  std::string failure_reason;
};

static void hook(WebSocketClient& ws, WsLog& log) {
  WebSocketClient::Callbacks cb;
  cb.on_open = [&log] { log.open = true; };
  cb.on_text = [&log](std::string_view t) { log.texts.emplace_back(t); };
  cb.on_pong = [&log](std::span<const std::uint8_t>) { ++log.pongs; };
  cb.on_close = [&log](std::uint16_t code, std::string_view reason) {
    log.closed = true;
    log.close_code = code;
    log.close_reason = std::string(reason);
  };
  cb.on_error = [&log](const WsFailure& f) {
    log.errored = true;
    log.failure = f;
    log.failure_reason = std::string(f.reason);
  };
  ws.set_callbacks(std::move(cb));
}

TEST_F(Net, WssEchoPingAndServerClose) {
  WsLog log;
  hook(*ws_, log);
  HttpHeader hs[] = {{"Authorization", "Bearer good"}, {"X-Authorization", "pop"}};
  std::string url = "wss://127.0.0.1:" + std::to_string(tls_port_) + "/ws";
  ASSERT_TRUE(ws_->connect(url, hs, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  ASSERT_TRUE(log.open) << to_string(log.failure.kind);
  EXPECT_TRUE(ws_->send_text("{\"notificationAck\":{\"notificationId\":\"n1\"}}"));
  EXPECT_TRUE(ws_->send_text("Zo\xc3\xab \xe2\x98\x8e"));
  const std::uint8_t ping[] = {1, 2, 3};
  EXPECT_TRUE(ws_->send_ping(ping));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.texts.size() == 2 && log.pongs == 1; }));
  EXPECT_EQ(log.texts[0], "echo:{\"notificationAck\":{\"notificationId\":\"n1\"}}");
  EXPECT_EQ(log.texts[1], "echo:Zo\xc3\xab \xe2\x98\x8e");
  EXPECT_TRUE(ws_->send_text("bye"));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.closed || log.errored; }));
  EXPECT_EQ(log.close_code, 1001);
  EXPECT_EQ(log.close_reason, "going away");
  EXPECT_EQ(ws_->state(), WebSocketClient::State::kIdle);
}

TEST_F(Net, OversizeMessageClosesWith1009ThenReconnects) {
  WsLog log;
  hook(*ws_, log);
  HttpHeader hs[] = {{"Authorization", "Bearer good"}, {"X-Authorization", "pop"}};
  std::string url = "ws://127.0.0.1:" + std::to_string(plain_port_) + "/ws";
  ASSERT_TRUE(ws_->connect(url, hs, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  ASSERT_TRUE(log.open);
  ws_->send_text("big");
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.closed || log.errored; }));
  EXPECT_TRUE(log.closed);
  EXPECT_EQ(log.close_code, 1009);
  log = WsLog{};
  ASSERT_TRUE(ws_->connect(url, hs, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  EXPECT_TRUE(log.open);
  ws_->close(1000, "done");
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.closed || log.errored; }));
  EXPECT_EQ(log.close_code, 1000);
}

TEST_F(Net, RefusedUpgradeSurfacesHttpStatus) {
  WsLog log;
  hook(*ws_, log);
  HttpHeader bad[] = {{"Authorization", "Bearer expired"}, {"X-Authorization", "pop"}};
  ASSERT_TRUE(ws_->connect("wss://127.0.0.1:" + std::to_string(tls_port_) + "/ws", bad, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  EXPECT_TRUE(log.errored);
  EXPECT_EQ(log.failure.kind, WsFailure::Kind::kUpgradeRefused);
  EXPECT_EQ(log.failure.http_status, 401);

  log = WsLog{};
  ASSERT_TRUE(ws_->connect("wss://127.0.0.1:" + std::to_string(tls_port_) + "/ws-gone", {}, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  EXPECT_EQ(log.failure.http_status, 410);

  EXPECT_EQ(log.failure_reason, "") << "refused by the server, not unreachable";

  log = WsLog{};
  std::uint16_t closed_port = nettest::free_port();
  ASSERT_TRUE(ws_->connect("wss://127.0.0.1:" + std::to_string(closed_port) + "/ws", {}, 5000));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return log.open || log.errored; }));
  EXPECT_EQ(log.failure.kind, WsFailure::Kind::kConnect);
  EXPECT_EQ(log.failure.stream, StreamError::kRefused);
  EXPECT_EQ(log.failure_reason, "cannot reach 127.0.0.1:" + std::to_string(closed_port) + ": connection refused");
}
