#include "firmware/web/web_page.hpp"

#include <cstdio>
#include <ctime>
#include <utility>

#include "firmware/core/log.hpp"
#include "firmware/web/page_assets.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/sha.hpp"
#include "protocol/common/url.hpp"
#include "protocol/http/http_writer.hpp"

namespace dialtone::web {

using protocol::HttpHeader;

namespace {

bool origin_of(std::string_view url, FixedString<limits::kUrlMax>& out) {
  protocol::Url u;
  if (protocol::parse_url(url, u) != protocol::UrlError::kOk) return false;
  out.assign(u.secure() ? "https://" : "http://");
  out.append(u.host.view());
  if (!u.default_port()) {
    char port[8];
    int n = std::snprintf(port, sizeof port, ":%u", u.port);
    out.append({port, static_cast<std::size_t>(n)});
  }
  return true;
}

// The decoded value of `name` in a query or form body; empty when absent or bad.
template <std::size_t N>
bool form_value(std::string_view query, std::string_view name, FixedString<N>& out) {
  out.clear();
  auto raw = protocol::query_param(query, name);
  if (!raw) return false;
  char buf[N + 1];
  std::size_t len = 0;
  if (protocol::percent_decode(*raw, buf, sizeof buf, len, true) != protocol::PercentError::kOk) return false;
  return out.assign({buf, len});
}

// "'sha256-<base64>'" of an inline text, for the Content-Security-Policy.
bool append_hash_source(std::string_view text, FixedString<limits::kUrlMax + 256>& out) {
  const auto digest = protocol::sha256(text);
  char b64[protocol::base64_encoded_size(sizeof digest) + 1];
  auto n = protocol::base64_encode(std::span<const std::uint8_t>(digest.data(), digest.size()), b64);
  return n && out.append("'sha256-") && out.append({b64, *n}) && out.append("'");
}

}  // namespace

bool secret_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool html_escape_append(std::string_view in, Html& out) {
  for (char c : in) {
    bool ok = true;
    switch (c) {
      case '&': ok = out.append("&amp;"); break;
      case '<': ok = out.append("&lt;"); break;
      case '>': ok = out.append("&gt;"); break;
      case '"': ok = out.append("&quot;"); break;
      case '\'': ok = out.append("&#39;"); break;
      default: ok = out.push_back(c);
    }
    if (!ok) return false;
  }
  return true;
}

bool WebPage::init(const WebPageConfig& cfg) {
  std::string_view auth = cfg.auth_url;
  while (!auth.empty() && auth.back() == '/') auth.remove_suffix(1);
  auth_url_.assign(auth);
  client_id_.assign(cfg.client_id);
  redirect_uri_.assign(cfg.redirect_uri);
  if (!cfg.redirect_uri.empty()) {  // empty: no YNA line, no OAuth callback
    protocol::Url u;
    if (protocol::parse_url(cfg.redirect_uri, u) != protocol::UrlError::kOk) {
      DT_LOGE("web", "yna.redirect_uri is not a URL; the OAuth callback is disabled");
      return false;
    }
    callback_path_.assign(u.path());
    origin_of(cfg.redirect_uri, redirect_origin_);
  }
  if (!auth_url_.empty()) origin_of(auth_url_.view(), auth_origin_);
  // Only our own style and script run; forms go to us, or to the network's
  // linking and emergency address pages.
  bool ok = csp_.assign("default-src 'none'; style-src ") && append_hash_source(kPageStyle, csp_) &&
            csp_.append("; script-src ") && append_hash_source(kPageScript, csp_) &&
            csp_.append("; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  if (!auth_origin_.empty()) ok = ok && csp_.push_back(' ') && csp_.append(auth_origin_.view());
  if (!ok) {
    DT_LOGE("web", "yna.auth_url is too long for the page's security policy");
    return false;
  }
  char hex[kSecretHex];
  if (!rng_.hex(hex)) return false;
  csrf_.assign({hex, sizeof hex});
  return true;
}

bool WebPage::same_origin(const protocol::HttpRequestParser& req) const {
  auto allowed = [this](std::string_view o) {
    return (!origin_.empty() && o == origin_.view()) || (!redirect_origin_.empty() && o == redirect_origin_.view());
  };
  if (auto origin = req.header("Origin")) return allowed(*origin);
  if (auto referer = req.header("Referer")) {
    FixedString<limits::kUrlMax> o;
    return origin_of(*referer, o) && allowed(o.view());
  }
  return false;  // neither: a browser always sends one of them on a form POST
}

bool WebPage::csrf_ok(const protocol::HttpRequestParser& req) const {
  FixedString<64> token;
  form_value(req.body(), "csrf", token);
  return secret_equals(token.view(), csrf_.view());
}

std::size_t WebPage::plain(std::span<char> out, int status, std::string_view text) {
  HttpHeader h[] = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
  return protocol::write_http_response(out, status, h, text, false);
}

std::size_t WebPage::bad_request(std::span<char> out, int status) {
  return plain(out, status, status == 413 ? "request too large\n" : "bad request\n");
}

std::size_t WebPage::redirect(std::span<char> out, std::string_view location) {
  HttpHeader h[] = {{"Location", location}, {"Cache-Control", "no-store"}, {"Referrer-Policy", "same-origin"}};
  return protocol::write_http_response(out, 303, h, {}, false);
}

// Referrer-Policy same-origin, not no-referrer: under no-referrer a browser
// sends "Origin: null" even with a form posted to its own origin, and the
// Origin check would refuse the page's own forms. Same-origin sends nothing
// to other sites (the network's pages never see our URLs).
std::size_t WebPage::html(std::span<char> out, std::string_view body) {
  HttpHeader h[] = {{"Content-Type", "text/html; charset=utf-8"},
                    {"Cache-Control", "no-store"},
                    {"X-Frame-Options", "DENY"},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Content-Security-Policy", csp_.view()},
                    {"Referrer-Policy", "same-origin"}};
  return protocol::write_http_response(out, 200, h, body, false);
}

status::LineState WebPage::yna_state() const {
  const status::LineStatus* l = status_.line("yna");
  return l ? l->state : status::LineState::kUnlinked;
}

std::size_t WebPage::link(std::span<char> out) {
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  if (auth_url_.empty() || client_id_.empty() || redirect_uri_.empty()) return plain(out, 409, "YNA is not configured\n");
  char hex[kSecretHex];
  if (!rng_.hex(hex)) return plain(out, 500, "no randomness\n");
  state_.assign({hex, sizeof hex});
  FixedString<limits::kUrlMax> loc;
  bool ok = loc.assign(auth_url_.view()) && loc.append("/account-mgmt/linkAccount?client_id=") &&
            protocol::percent_encode_append(client_id_.view(), loc) && loc.append("&redirect_uri=") &&
            protocol::percent_encode_append(redirect_uri_.view(), loc) && loc.append("&state=") &&
            loc.append(state_.view());
  if (!ok) return plain(out, 500, "link URL too long\n");
  DT_LOGI("web", "link: sending the browser to linkAccount");
  yna_->link_started();
  return redirect(out, loc.view());
}

std::size_t WebPage::callback(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!yna_) return plain(out, 404, "not found\n");
  FixedString<64> state;
  form_value(req.query(), "state", state);
  if (state_.empty() || !secret_equals(state.view(), state_.view())) {
    DT_LOGW("web", "OAuth callback with a state that does not match: refused");
    return plain(out, 400, "this link attempt is not the one the phone started; choose Link again\n");
  }
  state_.clear();  // one use only
  FixedString<limits::kTokenMax> code;
  form_value(req.query(), "code", code);
  if (code.empty()) {
    FixedString<64> err;
    form_value(req.query(), "error", err);
    FixedString<128> why;
    why.assign("linking was not completed: ");
    why.append(err.empty() ? std::string_view("no code") : err.view());
    yna_->link_cancelled(why.view());
    note(why.view());
    return redirect(out, "/");
  }
  DT_LOGI("web", "OAuth callback: exchanging the code");
  yna_->link_complete(code.view());
  note("signed in: linking the line");
  return redirect(out, "/");
}

// changeEmergencyAddress is a POST that answers with the network's own form
// (yna-required-services-api.md), so the owner's browser must send it: the
// answer is a page whose form posts there, submitted at once by the page's
// script or by the owner's click. The access token rides in the query, as
// the reference allows (a browser form cannot set a header); it appears only
// in this answer to a same-origin, CSRF-checked POST, never cached or sent
// on as a Referer.
std::size_t WebPage::e911(std::span<char> out) {
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  std::string_view token = yna_->access_token();
  if (token.empty()) return plain(out, 409, "link the line first\n");
  FixedString<limits::kUrlMax> ok_url, fail_url;
  ok_url.assign(origin_.view());
  ok_url.append("/?e911=ok");
  fail_url.assign(origin_.view());
  fail_url.append("/?e911=failed");
  static FixedString<limits::kTokenMax + 2 * limits::kUrlMax> target;
  bool ok = target.assign(auth_url_.view()) &&
            target.append("/account-mgmt/changeEmergencyAddress?success-redirect-url=") &&
            protocol::percent_encode_append(ok_url.view(), target) && target.append("&failure-redirect-url=") &&
            protocol::percent_encode_append(fail_url.view(), target) && target.append("&Authorization=Bearer%20") &&
            protocol::percent_encode_append(token, target);
  if (!ok) return plain(out, 500, "E911 URL too long\n");
  static Html p;
  head(p, "Emergency address", {});
  p.append("<main><h1>Emergency address</h1><section><p>The emergency (E911) address of your T-Mobile number is "
           "kept by T-Mobile. Continue to T-Mobile's page to see or change it; you come back here afterwards.</p>"
           "<form id=\"handoff\" method=\"post\" action=\"");
  html_escape_append(target.view(), p);
  p.append("\"><button type=\"submit\">Continue to T-Mobile</button></form>"
           "<p><a href=\"/\">Back to the phone's page</a></p></section></main><script>");
  p.append(kPageScript);
  if (!p.append("</script></body></html>\n")) return plain(out, 500, "page too large\n");
  DT_LOGI("web", "e911: handing the browser a form for changeEmergencyAddress");
  return html(out, p.view());
}

std::size_t WebPage::handle(const protocol::HttpRequestParser& req, std::span<char> out) {
  std::string_view method = req.method();
  std::string_view path = req.path();
  bool get = method == "GET" || method == "HEAD";
  if (!callback_path_.empty() && path == callback_path_.view() && path != "/") {
    if (!get) return plain(out, 405, "method not allowed\n");
    return callback(req, out);
  }
  if (path == "/live") {
    if (!get) return plain(out, 405, "method not allowed\n");
    return live_part(out);
  }
  if (path == "/") {
    if (!get) return plain(out, 405, "method not allowed\n");
    FixedString<192> notice;
    notice.assign(notice_.view());
    notice_.clear();
    FixedString<16> e911;
    form_value(req.query(), "e911", e911);
    if (e911 == "ok") notice.assign("Emergency address saved at T-Mobile.");
    else if (e911 == "failed") notice.assign("Emergency address not changed at T-Mobile.");
    FixedString<8> page_text;
    form_value(req.query(), "page", page_text);
    int page = 0;
    for (char ch : page_text.view()) page = (ch >= '0' && ch <= '9' && page < 100000) ? page * 10 + (ch - '0') : -1;
    if (page < 1) page = 1;
    FixedString<4> w;
    form_value(req.query(), "w", w);
    return status_page(out, notice.view(), page, w == "1");
  }
  bool known = path == "/link" || path == "/e911" || path == "/unlink" || path == "/kazoo/e911" ||
               path == "/kazoo/search" || path == "/kazoo/activate" || path == "/call";
  if (!known) return plain(out, 404, "not found\n");
  if (method != "POST") return plain(out, 405, "method not allowed\n");
  // Every state-changing action: from this page's origin, with its form token.
  if (!same_origin(req)) {
    DT_LOGW("web", "POST %.*s refused: not from this page's origin", static_cast<int>(path.size()), path.data());
    return plain(out, 403, "cross-site request refused\n");
  }
  if (!csrf_ok(req)) {
    DT_LOGW("web", "POST %.*s refused: CSRF token missing or wrong", static_cast<int>(path.size()), path.data());
    return plain(out, 403, "form token missing or wrong; reload the page\n");
  }
  return action(req, out);
}

std::size_t WebPage::action(const protocol::HttpRequestParser& req, std::span<char> out) {
  std::string_view path = req.path();
  if (path == "/link") return link(out);
  if (path == "/e911") return e911(out);
  if (path == "/kazoo/e911") return kazoo_e911(req, out);
  if (path == "/kazoo/search") return search(req, out);
  if (path == "/kazoo/activate") return activate(req, out);
  if (path == "/call") return call(req, out);
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  DT_LOGI("web", "unlink requested from the page");
  yna_->unlink();
  note("The line was unlinked.");
  return redirect(out, "/");
}

std::size_t WebPage::kazoo_e911(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!account_ || !status_.kazoo()) return plain(out, 409, "Kazoo is not configured on this device\n");
  protocol::kazoo::E911Address a;
  for (std::size_t i = 0; i < protocol::kazoo::E911Address::kFields; ++i)
    form_value(req.body(), protocol::kazoo::E911Address::kNames[i], a.field(i));
  if (a.street_address.empty() || a.locality.empty() || a.region.empty() || a.postal_code.empty()) {
    note("The address needs a street address, city, state and postal code.");
    return redirect(out, "/#e911");
  }
  if (!account_->set_e911(a)) note("The phone is busy with Kazoo; try again in a moment.");
  DT_LOGI("web", "E911 address change requested from the page");
  return redirect(out, "/#e911");
}

std::size_t WebPage::search(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!account_ || !status_.kazoo()) return plain(out, 409, "Kazoo is not configured on this device\n");
  FixedString<16> prefix;
  form_value(req.body(), "prefix", prefix);
  ActionError why;
  if (!account_->search_numbers(prefix.view(), why)) note(why.view());
  return redirect(out, "/#numbers");
}

std::size_t WebPage::activate(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!account_ || !status_.kazoo()) return plain(out, 409, "Kazoo is not configured on this device\n");
  FixedString<32> number;
  form_value(req.body(), "number", number);
  ActionError why;
  if (!account_->activate_number(number.view(), why)) note(why.view());
  return redirect(out, "/#numbers");
}

std::size_t WebPage::call(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!account_ || !account_->click_to_call_ready())
    return plain(out, 409, "click-to-call needs jambonz and a SIP line on this device\n");
  FixedString<limits::kDialDigitsMax> to;
  form_value(req.body(), "to", to);
  ActionError why;
  call_form_error_.clear();
  call_form_value_.clear();
  if (!account_->click_to_call(to.view(), why)) {
    // Shown in the form, with what was typed, until the next try.
    call_form_error_.assign(why.view());
    call_form_value_.assign(to.view());
  }
  return redirect(out, "/#call");
}

}  // namespace dialtone::web
