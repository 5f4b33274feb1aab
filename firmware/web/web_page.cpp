#include "firmware/web/web_page.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"
#include "protocol/common/url.hpp"
#include "protocol/http/http_writer.hpp"

namespace dialtone::web {

using protocol::HttpHeader;

namespace {

// One page at a time is built here (single-threaded loop).
FixedString<limits::kWebResponseMax> g_page;

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

const char* state_label(status::LineState s) { return status::line_state_name(s); }

}  // namespace

bool secret_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool html_escape_append(std::string_view in, FixedString<limits::kWebResponseMax>& out) {
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
  HttpHeader h[] = {{"Location", location}, {"Cache-Control", "no-store"}};
  return protocol::write_http_response(out, 303, h, {}, false);
}

std::size_t WebPage::status_page(std::span<char> out, std::string_view notice) {
  auto& p = g_page;
  p.assign(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Dialtone</title></head><body>"
      "<h1>Dialtone</h1>");
  if (!notice.empty()) {
    p.append("<p id=\"notice\">");
    html_escape_append(notice, p);
    p.append("</p>");
  }
  // One block per line; the ids of the first stay as they were for scripts.
  bool first = true;
  for (const status::LineStatus& l : status_.lines()) {
    p.append(first ? "<p>Line: <b id=\"line-state\">" : "<p>Line: <b>");
    p.append(state_label(l.state));
    p.append("</b> (");
    p.append(l.kind.view());
    p.append(")</p><p>Number: <b");
    p.append(first ? " id=\"msisdn\">" : ">");
    html_escape_append(l.address.empty() ? std::string_view("-") : l.address.view(), p);
    p.append("</b></p>");
    if (!l.reason.empty()) {
      p.append(first ? "<p id=\"line-reason\">" : "<p>");
      html_escape_append(l.reason.view(), p);
      p.append("</p>");
    }
    first = false;
  }
  if (status_.lines().empty()) p.append("<p>Line: <b id=\"line-state\">none configured</b></p>");
  p.append("<h2>Calls</h2><ul id=\"calls\">");
  if (const call::CallLayer* calls = status_.calls()) {
    for (std::size_t i = 0; i < calls->slots(); ++i) {
      const call::CallMachine& c = calls->slot(i);
      if (!c.active()) continue;
      char line[160];
      std::snprintf(line, sizeof line, "%s %.*s %s", c.direction() == call::Direction::kOut ? "out" : "in",
                    static_cast<int>(c.peer().size()), c.peer().data(), call::state_name(c.state()));
      p.append("<li>");
      html_escape_append(line, p);
      if (!c.peer_name().empty()) {
        p.append(" (");
        html_escape_append(c.peer_name(), p);
        p.append(")");
      }
      p.append("</li>");
    }
  }
  p.append("</ul><h2>Last errors</h2><ul id=\"errors\">");
  std::string_view errs[status::DeviceStatus::kErrorsKept];
  std::size_t n = status_.errors(errs);
  for (std::size_t i = 0; i < n; ++i) {
    p.append("<li>");
    html_escape_append(errs[i], p);
    p.append("</li>");
  }
  p.append("</ul>");
  auto form = [&](std::string_view action, std::string_view label) {
    p.append("<form method=\"post\" action=\"");
    p.append(action);
    p.append("\"><input type=\"hidden\" name=\"csrf\" value=\"");
    p.append(csrf_.view());
    p.append("\"><button type=\"submit\">");
    p.append(label);
    p.append("</button></form>");
  };
  if (yna_) {
    const status::LineState s = yna_state();
    if (s == status::LineState::kUnlinked || s == status::LineState::kLinking) {
      form("/link", "Link");
    } else {
      form("/e911", "Emergency address");
      form("/unlink", "Unlink");
    }
  }
  bool ok = p.append("</body></html>\n");
  if (!ok) return plain(out, 500, "page too large\n");
  HttpHeader h[] = {{"Content-Type", "text/html; charset=utf-8"},
                    {"Cache-Control", "no-store"},
                    {"X-Frame-Options", "DENY"},
                    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
                    {"Referrer-Policy", "no-referrer"}};
  return protocol::write_http_response(out, 200, h, p.view(), false);
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

std::size_t WebPage::e911(std::span<char> out) {
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  std::string_view token = yna_->access_token();
  if (token.empty()) return plain(out, 409, "link the line first\n");
  FixedString<limits::kUrlMax> ok_url, fail_url;
  ok_url.assign(origin_.view());
  ok_url.append("/?e911=ok");
  fail_url.assign(origin_.view());
  fail_url.append("/?e911=failed");
  static FixedString<limits::kTokenMax + 2 * limits::kUrlMax> loc;
  bool ok = loc.assign(auth_url_.view()) && loc.append("/account-mgmt/changeEmergencyAddress?success-redirect-url=") &&
            protocol::percent_encode_append(ok_url.view(), loc) && loc.append("&failure-redirect-url=") &&
            protocol::percent_encode_append(fail_url.view(), loc) && loc.append("&Authorization=Bearer%20") &&
            protocol::percent_encode_append(token, loc);
  if (!ok) return plain(out, 500, "E911 URL too long\n");
  DT_LOGI("web", "e911: sending the browser to changeEmergencyAddress");
  return redirect(out, loc.view());
}

std::size_t WebPage::handle(const protocol::HttpRequestParser& req, std::span<char> out) {
  std::string_view method = req.method();
  std::string_view path = req.path();
  bool get = method == "GET" || method == "HEAD";
  if (!callback_path_.empty() && path == callback_path_.view() && path != "/") {
    if (!get) return plain(out, 405, "method not allowed\n");
    return callback(req, out);
  }
  if (path == "/") {
    if (!get) return plain(out, 405, "method not allowed\n");
    FixedString<192> notice;
    notice.assign(notice_.view());
    notice_.clear();
    FixedString<16> e911;
    form_value(req.query(), "e911", e911);
    if (e911 == "ok") notice.assign("emergency address saved");
    else if (e911 == "failed") notice.assign("emergency address not changed");
    return status_page(out, notice.view());
  }
  bool action = path == "/link" || path == "/e911" || path == "/unlink";
  if (!action) return plain(out, 404, "not found\n");
  if (method != "POST") return plain(out, 405, "method not allowed\n");
  if (!same_origin(req)) {
    DT_LOGW("web", "POST %.*s refused: not from this page's origin", static_cast<int>(path.size()), path.data());
    return plain(out, 403, "cross-site request refused\n");
  }
  if (!csrf_ok(req)) {
    DT_LOGW("web", "POST %.*s refused: CSRF token missing or wrong", static_cast<int>(path.size()), path.data());
    return plain(out, 403, "form token missing or wrong; reload the page\n");
  }
  if (path == "/link") return link(out);
  if (path == "/e911") return e911(out);
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  DT_LOGI("web", "unlink requested from the page");
  yna_->unlink();
  note("unlinked");
  return redirect(out, "/");
}

}  // namespace dialtone::web
