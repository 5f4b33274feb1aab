// The web page's request handling, without sockets.
#include "firmware/web/web_page.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace dialtone;
using namespace dialtone::web;

namespace {

struct FakeLink : LinkActions {
  std::string token, code, cancelled;
  int started = 0, unlinks = 0;
  void link_started() override { ++started; }
  void link_cancelled(std::string_view why) override { cancelled = why; }
  void link_complete(std::string_view c) override { code = c; }
  std::string_view access_token() const override { return token; }
  void unlink() override { ++unlinks; }
};

struct Response {
  int status = 0;
  std::string location, body;
};

class WebPageTest : public ::testing::Test {
 protected:
  FakeLink be;
  status::DeviceStatus device;
  std::size_t yna = device.add_line("yna");
  Csprng rng;
  WebPage page{device, &be, rng};
  protocol::HttpRequestParser parser;
  std::vector<char> out = std::vector<char>(limits::kWebResponseMax);
  const std::string origin = "http://127.0.0.1:8080";

  void SetUp() override {
    device.add_error("first");
    device.add_error("<b>second</b>");
    ASSERT_TRUE(rng.init("test"));
    ASSERT_TRUE(page.init({"https://auth.example:8443/", "client 1", "http://127.0.0.1:8080/oauth/callback"}));
    page.set_origin(origin);
  }
  Response send(const std::string& raw) {
    parser.reset();
    auto r = parser.feed(raw);
    EXPECT_EQ(r.status, protocol::HttpParseStatus::kComplete) << raw;
    std::size_t n = page.handle(parser, out);
    protocol::HttpResponseParser rp;
    rp.feed(std::string_view(out.data(), n));
    rp.finish();
    Response res;
    res.status = rp.status();
    if (auto l = rp.header("Location")) res.location = *l;
    res.body = rp.body();
    return res;
  }
  Response post(const std::string& path, const std::string& form, const std::string& extra = "Origin: " +
                                                                                             std::string("http://127.0.0.1:8080") +
                                                                                             "\r\n") {
    return send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" + extra +
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) +
                "\r\n\r\n" + form);
  }
  std::string csrf() { return "csrf=" + std::string(page.csrf_token()); }
};

}  // namespace

TEST_F(WebPageTest, StatusPageShowsLineAndEscapesErrors) {
  device.set_line(yna, status::LineState::kRegistered, "+14255550100", {});
  Response r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("registered"), std::string::npos);
  EXPECT_NE(r.body.find("+14255550100"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;b&gt;second&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(r.body.find("<b>second</b>"), std::string::npos);
  EXPECT_NE(r.body.find(std::string(page.csrf_token())), std::string::npos);
  EXPECT_EQ(page.csrf_token().size(), 32u);
  EXPECT_NE(r.body.find("action=\"/unlink\""), std::string::npos);
  EXPECT_EQ(r.body.find("action=\"/link\""), std::string::npos) << "a linked line offers no Link";
}

TEST_F(WebPageTest, AnUnlinkedLineOffersOnlyLinkAndSaysWhy) {
  Response r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.body.find("action=\"/link\""), std::string::npos);
  EXPECT_EQ(r.body.find("action=\"/unlink\""), std::string::npos);
  EXPECT_EQ(r.body.find("action=\"/e911\""), std::string::npos);
  EXPECT_NE(r.body.find("no line is linked"), std::string::npos);
}

TEST(WebPageWithoutYna, ShowsStatusAndOffersNoYnaAction) {
  status::DeviceStatus device;
  Csprng rng;
  ASSERT_TRUE(rng.init("test"));
  WebPage page{device, nullptr, rng};
  ASSERT_TRUE(page.init({}));
  protocol::HttpRequestParser parser;
  parser.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::vector<char> out(limits::kWebResponseMax);
  std::string body(out.data(), page.handle(parser, out));
  EXPECT_NE(body.find("200 OK"), std::string::npos);
  EXPECT_EQ(body.find("action=\"/link\""), std::string::npos);
}

TEST_F(WebPageTest, LinkRedirectsWithFreshState) {
  Response r = post("/link", csrf());
  ASSERT_EQ(r.status, 303);
  std::string s1(page.pending_state());
  EXPECT_EQ(s1.size(), 32u);
  EXPECT_EQ(r.location, "https://auth.example:8443/account-mgmt/linkAccount?client_id=client%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Foauth%2Fcallback&state=" + s1);
  EXPECT_EQ(be.started, 1);
  post("/link", csrf());
  EXPECT_NE(std::string(page.pending_state()), s1) << "every link gets a new state";
}

TEST_F(WebPageTest, PostsNeedOriginAndCsrf) {
  EXPECT_EQ(post("/link", csrf(), "").status, 403) << "no Origin or Referer";
  EXPECT_EQ(post("/link", csrf(), "Origin: http://evil.example\r\n").status, 403);
  EXPECT_EQ(post("/link", csrf(), "Origin: null\r\n").status, 403);
  EXPECT_EQ(post("/link", "csrf=0123").status, 403);
  EXPECT_EQ(post("/link", "").status, 403);
  EXPECT_EQ(post("/unlink", "csrf=" + std::string(32, 'a')).status, 403);
  EXPECT_EQ(be.started, 0);
  EXPECT_EQ(be.unlinks, 0);
  EXPECT_EQ(post("/link", csrf(), "Referer: http://127.0.0.1:8080/\r\n").status, 303) << "Referer is enough";
  EXPECT_EQ(post("/link", csrf(), "Referer: http://127.0.0.1:8081/\r\n").status, 403);
  EXPECT_EQ(send("GET /link HTTP/1.1\r\nHost: x\r\n\r\n").status, 405);
}

TEST_F(WebPageTest, CallbackNeedsTheRightState) {
  EXPECT_EQ(send("GET /oauth/callback?code=C&state=whatever HTTP/1.1\r\nHost: x\r\n\r\n").status, 400)
      << "no link pending";
  post("/link", csrf());
  std::string st(page.pending_state());
  EXPECT_EQ(send("GET /oauth/callback?code=C&state=" + std::string(32, '0') + " HTTP/1.1\r\nHost: x\r\n\r\n").status,
            400);
  EXPECT_TRUE(be.code.empty()) << "a wrong state changes nothing";
  EXPECT_EQ(std::string(page.pending_state()), st);
  Response r = send("GET /oauth/callback?code=code-x%2By&state=" + st + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.location, "/");
  EXPECT_EQ(be.code, "code-x+y");
  EXPECT_TRUE(page.pending_state().empty());
  EXPECT_EQ(send("GET /oauth/callback?code=again&state=" + st + " HTTP/1.1\r\nHost: x\r\n\r\n").status, 400)
      << "a state is used once";
}

TEST_F(WebPageTest, CallbackWithError) {
  post("/link", csrf());
  std::string st(page.pending_state());
  EXPECT_EQ(send("GET /oauth/callback?error=access_denied&state=" + st + " HTTP/1.1\r\nHost: x\r\n\r\n").status, 303);
  EXPECT_NE(be.cancelled.find("access_denied"), std::string::npos);
  EXPECT_TRUE(be.code.empty());
}

TEST_F(WebPageTest, EmergencyAddressRedirect) {
  EXPECT_EQ(post("/e911", csrf()).status, 409) << "not linked";
  be.token = "at-1 2";
  Response r = post("/e911", csrf());
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.location,
            "https://auth.example:8443/account-mgmt/changeEmergencyAddress?success-redirect-url=http%3A%2F%2F127.0.0.1%3A8080%2F%3Fe911%3Dok"
            "&failure-redirect-url=http%3A%2F%2F127.0.0.1%3A8080%2F%3Fe911%3Dfailed&Authorization=Bearer%20at-1%202");
}

TEST_F(WebPageTest, Unlink) {
  EXPECT_EQ(post("/unlink", csrf()).status, 303);
  EXPECT_EQ(be.unlinks, 1);
}

TEST_F(WebPageTest, UnknownPath) {
  EXPECT_EQ(send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
}

TEST(WebSecrets, ConstantTimeEquals) {
  EXPECT_TRUE(secret_equals("abc", "abc"));
  EXPECT_FALSE(secret_equals("abc", "abd"));
  EXPECT_FALSE(secret_equals("abc", "ab"));
  EXPECT_FALSE(secret_equals("", ""));
}
