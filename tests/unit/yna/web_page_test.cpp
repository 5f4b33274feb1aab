// The web page's request handling, without sockets.
#include "firmware/web/web_page.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "firmware/web/local_time.hpp"

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
  std::string location, body, headers;
};

struct FakeAccount : AccountActions {
  int e911 = 0, pages = 0, searches = 0, activations = 0, calls = 0;
  bool ready = true;
  std::string last;
  bool set_e911(const protocol::kazoo::E911Address&) override { return ++e911 > 0; }
  bool want_calls_page(int) override { return ++pages > 0; }
  bool search_numbers(std::string_view p, ActionError&) override {
    last = p;
    return ++searches > 0;
  }
  bool activate_number(std::string_view n, ActionError&) override {
    last = n;
    return ++activations > 0;
  }
  bool click_to_call_ready() const override { return ready; }
  bool click_to_call(std::string_view to, ActionError& why) override {
    last = to;
    ++calls;
    if (to == "911") {
      why.assign("emergency numbers are dialled from the handset");
      return false;
    }
    return true;
  }
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
    std::string raw_out(out.data(), n);
    res.headers = raw_out.substr(0, raw_out.find("\r\n\r\n"));
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
  EXPECT_NE(r.body.find("+1 (425) 555-0100"), std::string::npos);
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

// changeEmergencyAddress is a POST (the reference): the answer is a form the
// browser posts there, not a redirect the browser would follow with a GET.
TEST_F(WebPageTest, EmergencyAddressIsAFormThatPostsToTheNetwork) {
  EXPECT_EQ(post("/e911", csrf()).status, 409) << "not linked";
  be.token = "at-1 2";
  Response r = post("/e911", csrf());
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.location.empty());
  EXPECT_NE(r.body.find("<form id=\"handoff\" method=\"post\" action=\""
                        "https://auth.example:8443/account-mgmt/changeEmergencyAddress?success-redirect-url=http%3A%2F%2F127.0.0.1%3A8080%2F%3Fe911%3Dok"
                        "&amp;failure-redirect-url=http%3A%2F%2F127.0.0.1%3A8080%2F%3Fe911%3Dfailed&amp;Authorization=Bearer%20at-1%202\">"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.headers.find("Cache-Control: no-store"), std::string::npos);
  EXPECT_NE(r.headers.find("Referrer-Policy: same-origin"), std::string::npos) << "our URLs go to no other site";
  // The page's policy lets its forms go to the network's origin, and only there.
  EXPECT_NE(r.headers.find("form-action 'self' https://auth.example:8443"), std::string::npos) << r.headers;
}

TEST_F(WebPageTest, PageIsMadeForAPhoneAndAdmitsOnlyItsOwnStyleAndScript) {
  Response r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.body.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), std::string::npos);
  EXPECT_NE(r.body.find("<style>"), std::string::npos);
  EXPECT_NE(r.headers.find("style-src 'sha256-"), std::string::npos);
  EXPECT_NE(r.headers.find("script-src 'sha256-"), std::string::npos);
  EXPECT_EQ(r.headers.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(r.body.find("href=\"https://mydigits.t-mobile.com\""), std::string::npos) << "the YNA guide's signed-in instances";
}

TEST_F(WebPageTest, LivePartIsTheStatusAlone) {
  device.set_line(yna, status::LineState::kOffline, "+14255550100", {});
  Response r = send("GET /live HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("<section id=\"live\" data-sig=\"yna:linked;\">", 0), 0u) << r.body;
  EXPECT_NE(r.body.find("the network is unreachable"), std::string::npos) << "the reason in plain words";
  EXPECT_EQ(r.body.find("<form"), std::string::npos);
  EXPECT_EQ(post("/live", csrf()).status, 405);
}

TEST_F(WebPageTest, Unlink) {
  EXPECT_EQ(post("/unlink", csrf()).status, 303);
  EXPECT_EQ(be.unlinks, 1);
}

TEST_F(WebPageTest, UnknownPath) {
  EXPECT_EQ(send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
}

TEST_F(WebPageTest, AccountActionsAreRefusedCrossSiteAndWorkFromThePage) {
  FakeAccount acct;
  status::KazooStatus kazoo;
  status::JambonzStatus jambonz;
  device.set_kazoo(&kazoo);
  device.set_jambonz(&jambonz);
  page.set_account(&acct);
  const std::string evil = "Origin: http://evil.example\r\n";
  const std::string form = csrf() + "&to=%2B12065550142&prefix=415&number=%2B14152338397&postal_code=1&"
                           "street_address=1+Main&locality=X&region=CA";
  for (const char* path : {"/call", "/kazoo/search", "/kazoo/activate", "/kazoo/e911", "/link", "/unlink", "/e911"}) {
    EXPECT_EQ(post(path, form, evil).status, 403) << path;
    EXPECT_EQ(post(path, "to=1&prefix=415").status, 403) << path << " without the form token";
  }
  EXPECT_EQ(acct.calls + acct.searches + acct.activations + acct.e911, 0);
  EXPECT_EQ(be.unlinks + be.started, 0);

  EXPECT_EQ(post("/call", csrf() + "&to=%2B1+206+555+0142").status, 303);
  EXPECT_EQ(acct.last, "+1 206 555 0142");
  EXPECT_EQ(post("/kazoo/search", csrf() + "&prefix=415").status, 303);
  EXPECT_EQ(acct.last, "415");
  EXPECT_EQ(post("/kazoo/activate", csrf() + "&number=%2B14152338397").status, 303);
  EXPECT_EQ(acct.last, "+14152338397");

  // A refused number comes back in the form, with the reason.
  EXPECT_EQ(post("/call", csrf() + "&to=911").status, 303);
  Response r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.body.find("id=\"call-error\">emergency numbers are dialled from the handset"), std::string::npos);
  EXPECT_NE(r.body.find("name=\"to\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" required value=\"911\""),
            std::string::npos);

  // Without a SIP line there is no click-to-call form, and a POST is refused.
  acct.ready = false;
  r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.body.find("action=\"/call\""), std::string::npos);
  EXPECT_EQ(post("/call", csrf() + "&to=%2B12065550142").status, 409);
}

TEST_F(WebPageTest, NoAddressYetIsSaidPlainlyAndChoicesAreOffered) {
  FakeAccount acct;
  status::KazooStatus kazoo;
  kazoo.number.assign("+14155550100");
  kazoo.e911 = status::KazooStatus::E911::kNone;
  device.set_kazoo(&kazoo);
  page.set_account(&acct);
  Response r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.body.find("id=\"e911-warning\""), std::string::npos);
  EXPECT_NE(r.body.find("may not reach the right dispatcher"), std::string::npos);
  kazoo.outcome = status::KazooStatus::Outcome::kMultipleChoice;
  kazoo.outcome_message.assign("more than one address found");
  kazoo.entered.street_address.assign("Natoma St");
  status::E911Address a;
  a.street_address.assign("100 NATOMA ST");
  kazoo.choices.push_back(a);
  a.street_address.assign("200 NATOMA ST");
  kazoo.choices.push_back(a);
  r = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.body.find("100 NATOMA ST"), std::string::npos);
  EXPECT_NE(r.body.find("200 NATOMA ST"), std::string::npos);
  EXPECT_NE(r.body.find("value=\"Natoma St\""), std::string::npos) << "what was typed stays in the form";
}

TEST(WebLocalTime, IsoTimesFromJambonz) {
  EXPECT_EQ(parse_iso_utc("2024-05-02T10:00:00.000Z"), 1714644000000);
  EXPECT_EQ(parse_iso_utc("2024-05-02T10:00:00.250Z"), 1714644000250);
  EXPECT_EQ(parse_iso_utc("2024-05-02T10:00:00+00:00"), 1714644000000);
  EXPECT_EQ(parse_iso_utc("2024-05-02T10:00:00+02:00"), 0) << "only UTC is read";
  EXPECT_EQ(parse_iso_utc("yesterday"), 0);
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  Html h;
  append_local_time(1714644000000, h);
  append_zone(1714644000000, h);
  EXPECT_EQ(h.view(), "2024-05-02 12:00CEST");
  unsetenv("TZ");
  tzset();
}

TEST(WebSecrets, ConstantTimeEquals) {
  EXPECT_TRUE(secret_equals("abc", "abc"));
  EXPECT_FALSE(secret_equals("abc", "abd"));
  EXPECT_FALSE(secret_equals("abc", "ab"));
  EXPECT_FALSE(secret_equals("", ""));
}
