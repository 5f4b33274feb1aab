#include "firmware/web/web_page.hpp"

#include <cstdio>
#include <ctime>
#include <utility>

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

std::size_t WebPage::status_page(std::span<char> out, std::string_view notice, int calls_page) {
  auto& p = g_page;
  // The account sections first, into the page's tail: whether anything is
  // still on its way decides the head's reload.
  static FixedString<limits::kWebResponseMax> sections;
  sections.clear();
  bool waiting = kazoo_section(sections);
  waiting = jambonz_section(sections, calls_page) || waiting;
  p.assign("<!doctype html><html><head><meta charset=\"utf-8\"><title>Dialtone</title>");
  // An answer from Kazoo or jambonz is on its way: look again in a second.
  if (waiting) p.append("<meta http-equiv=\"refresh\" content=\"1\">");
  p.append("</head><body><h1>Dialtone</h1>");
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
  p.append(sections.view());
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
    FixedString<8> page_text;
    form_value(req.query(), "page", page_text);
    int page = 0;
    for (char ch : page_text.view()) page = (ch >= '0' && ch <= '9' && page < 100000) ? page * 10 + (ch - '0') : -1;
    if (page < 1) page = 1;
    return status_page(out, notice.view(), page);
  }
  bool action = path == "/link" || path == "/e911" || path == "/unlink" || path == "/kazoo/e911";
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
  if (path == "/kazoo/e911") return kazoo_e911(req, out);
  if (!yna_) return plain(out, 409, "this device has no YNA line\n");
  DT_LOGI("web", "unlink requested from the page");
  yna_->unlink();
  note("unlinked");
  return redirect(out, "/");
}

void WebPage::address_form(FixedString<limits::kWebResponseMax>& p, const protocol::kazoo::E911Address& a,
                           std::string_view button, bool hidden) {
  using protocol::kazoo::E911Address;
  static constexpr const char* kLabels[E911Address::kFields] = {"Postal code", "Street address", "Apartment, suite",
                                                                "City", "State"};
  p.append("<form method=\"post\" action=\"/kazoo/e911\"><input type=\"hidden\" name=\"csrf\" value=\"");
  p.append(csrf_.view());
  p.append("\">");
  if (hidden) p.append("<span class=\"choice\">");
  for (std::size_t i = 0; i < E911Address::kFields; ++i) {
    if (hidden) {
      p.append("<input type=\"hidden\" name=\"");
    } else {
      p.append("<label>");
      p.append(kLabels[i]);
      p.append(" <input name=\"");
    }
    p.append(E911Address::kNames[i]);
    p.append("\" value=\"");
    html_escape_append(a.field(i).view(), p);
    p.append(hidden ? "\">" : "\"></label> ");
  }
  if (hidden) {
    for (std::size_t i = 0; i < E911Address::kFields; ++i) {
      if (a.field(i).empty()) continue;
      html_escape_append(a.field(i).view(), p);
      p.append(i + 1 < E911Address::kFields ? ", " : "");
    }
    p.append("</span> ");
  }
  p.append("<button type=\"submit\">");
  p.append(button);
  p.append("</button></form>");
}

bool WebPage::kazoo_section(FixedString<limits::kWebResponseMax>& p) {
  const status::KazooStatus* k = status_.kazoo();
  if (!k) return false;
  using Outcome = status::KazooStatus::Outcome;
  p.append("<h2>Number and emergency address</h2><p>Number: <b id=\"kazoo-number\">");
  html_escape_append(k->number.view(), p);
  p.append("</b>");
  if (!k->number_state.empty()) {
    p.append(" (");
    html_escape_append(k->number_state.view(), p);
    p.append(")");
  }
  p.append("</p><p>Emergency address: <b id=\"e911-status\">");
  p.append(k->e911 == status::KazooStatus::E911::kUnknown ? "checking" : k->e911_name());
  p.append("</b>");
  if (k->provisioned()) {
    p.append(" <span id=\"e911-address\">");
    bool first = true;
    for (std::size_t i = 0; i < status::E911Address::kFields; ++i) {
      if (k->address.field(i).empty()) continue;
      if (!first) p.append(", ");
      html_escape_append(k->address.field(i).view(), p);
      first = false;
    }
    p.append("</span>");
  }
  p.append("</p>");
  if (!k->provisioned()) {
    p.append("<p id=\"e911-warning\"><strong>Warning:</strong> ");
    html_escape_append(status::kNoE911Warning, p);
    p.append("</p>");
  }
  if (!k->error.empty()) {
    p.append("<p id=\"kazoo-error\">Kazoo: ");
    html_escape_append(k->error.view(), p);
    p.append("</p>");
  }
  if (k->updating) {
    p.append("<p id=\"e911-saving\">Saving the address&hellip;</p>");
    return true;
  }
  const bool refused = k->outcome == Outcome::kInvalid || k->outcome == Outcome::kError;
  if (refused) {
    p.append("<p id=\"e911-error\">");
    p.append(k->outcome == Outcome::kInvalid ? "Address not accepted: " : "Could not save the address: ");
    html_escape_append(k->outcome_message.view(), p);
    p.append("</p>");
  }
  if (k->outcome == Outcome::kMultipleChoice) {
    p.append("<p id=\"e911-choose\">");
    html_escape_append(k->outcome_message.view(), p);
    p.append(": pick the right one</p><ul id=\"e911-choices\">");
    for (const status::E911Address& a : k->choices) {
      p.append("<li>");
      address_form(p, a, "Use this address", true);
      p.append("</li>");
    }
    p.append("</ul>");
  }
  // The form keeps what was entered after a refusal; else it shows the address in force.
  const bool keep = refused || k->outcome == Outcome::kMultipleChoice;
  address_form(p, keep ? k->entered : k->address, "Save emergency address", false);
  return k->e911 == status::KazooStatus::E911::kUnknown && k->error.empty();
}

namespace {

// "+14155550100" -> "+1 (415) 555-0100"; anything else as it is.
void pretty_number(std::string_view n, FixedString<limits::kWebResponseMax>& p) {
  bool nanp = n.size() == 12 && n.substr(0, 2) == "+1";
  for (char c : n.substr(1)) nanp = nanp && c >= '0' && c <= '9';
  if (!nanp) {
    html_escape_append(n, p);
    return;
  }
  char text[24];
  std::snprintf(text, sizeof text, "+1 (%.3s) %.3s-%.4s", n.data() + 2, n.data() + 5, n.data() + 8);
  p.append(text);
}

// Unix milliseconds as the device's local time.
void local_time(std::int64_t ms, FixedString<limits::kWebResponseMax>& p) {
  if (ms <= 0) {
    p.append("-");
    return;
  }
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  char text[32];
  if (!localtime_r(&t, &tm) || !std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm)) {
    p.append("-");
    return;
  }
  p.append(text);
}

}  // namespace

bool WebPage::jambonz_section(FixedString<limits::kWebResponseMax>& p, int page) {
  const status::JambonzStatus* j = status_.jambonz();
  if (!j) return false;
  p.append("<h2>Alerts</h2>");
  if (!j->alerts_error.empty()) {
    p.append("<p id=\"alerts-error\">jambonz: ");
    html_escape_append(j->alerts_error.view(), p);
    p.append("</p>");
  }
  p.append("<ul id=\"alerts\">");
  std::size_t shown = 0;
  for (const protocol::jambonz::Alert& a : j->alerts.alerts) {
    if (shown++ == limits::kJambonzPageRows) break;
    p.append("<li>");
    html_escape_append(a.time.view(), p);
    p.append(" <b>");
    html_escape_append(a.alert_type.view(), p);
    p.append("</b> ");
    html_escape_append(a.message.view(), p);
    if (!a.detail.empty()) {
      p.append(" (");
      html_escape_append(a.detail.view(), p);
      p.append(")");
    }
    p.append("</li>");
  }
  p.append("</ul><h2>Call history</h2>");
  const bool have = j->calls_query.page == page;
  bool waiting = false;
  if (!have && account_ && !j->calls_loading) waiting = account_->want_calls_page(page);
  // After a failure the page does not reload by itself: the owner's next
  // look asks again, rather than the page asking jambonz every second.
  if (!have && (j->calls_loading || waiting) && j->calls_error.empty()) {
    p.append("<p id=\"calls-loading\">Loading&hellip;</p>");
    return true;
  }
  if (!j->calls_error.empty()) {
    p.append("<p id=\"calls-error\">jambonz: ");
    html_escape_append(j->calls_error.view(), p);
    p.append("</p>");
  }
  if (!have) return false;
  // Newest first, whatever order the rows came in.
  const protocol::jambonz::RecentCall* rows[limits::kJambonzRowsMax];
  std::size_t n = 0;
  for (const protocol::jambonz::RecentCall& c : j->calls.calls) rows[n++] = &c;
  for (std::size_t a = 1; a < n; ++a)
    for (std::size_t b = a; b > 0 && rows[b]->attempted_at > rows[b - 1]->attempted_at; --b) std::swap(rows[b], rows[b - 1]);
  p.append("<table id=\"calls-history\"><tr><th>When</th><th>Direction</th><th>From</th><th>To</th><th>Duration</th>"
           "<th>Result</th></tr>");
  for (std::size_t i = 0; i < n; ++i) {
    const protocol::jambonz::RecentCall& c = *rows[i];
    p.append("<tr><td>");
    local_time(c.attempted_at, p);
    p.append("</td><td>");
    html_escape_append(c.direction.view(), p);
    p.append("</td><td>");
    pretty_number(c.from.view(), p);
    p.append("</td><td>");
    pretty_number(c.to.view(), p);
    char dur[24];
    std::snprintf(dur, sizeof dur, "%lld s", static_cast<long long>(c.duration));
    p.append("</td><td>");
    p.append(dur);
    p.append("</td><td>");
    p.append(c.answered ? "answered" : "not answered");
    if (!c.termination_reason.empty()) {
      p.append(", ");
      html_escape_append(c.termination_reason.view(), p);
    }
    p.append("</td></tr>");
  }
  p.append("</table><p id=\"calls-pages\">");
  char nav[96];
  std::snprintf(nav, sizeof nav, "Page %d", page);
  p.append(nav);
  if (page > 1) {
    std::snprintf(nav, sizeof nav, " <a href=\"/?page=%d\">newer</a>", page - 1);
    p.append(nav);
  }
  if (static_cast<std::int64_t>(page) * static_cast<std::int64_t>(limits::kJambonzPageRows) < j->calls.total) {
    std::snprintf(nav, sizeof nav, " <a href=\"/?page=%d\">older</a>", page + 1);
    p.append(nav);
  }
  p.append("</p>");
  return false;
}

std::size_t WebPage::kazoo_e911(const protocol::HttpRequestParser& req, std::span<char> out) {
  if (!account_ || !status_.kazoo()) return plain(out, 409, "Kazoo is not configured on this device\n");
  protocol::kazoo::E911Address a;
  for (std::size_t i = 0; i < protocol::kazoo::E911Address::kFields; ++i)
    form_value(req.body(), protocol::kazoo::E911Address::kNames[i], a.field(i));
  if (a.street_address.empty() || a.locality.empty() || a.region.empty() || a.postal_code.empty()) {
    note("the address needs a street address, city, state and postal code");
    return redirect(out, "/");
  }
  if (!account_->set_e911(a)) note("the phone is busy with Kazoo; try again in a moment");
  DT_LOGI("web", "E911 address change requested from the page");
  return redirect(out, "/");
}

}  // namespace dialtone::web
