// The owner's page (device-control.md, yna-wire.md section 3, services.md),
// as a pure request handler: a parsed HTTP request in, a complete HTTP
// response out. The socket side is web_server.hpp. Server-rendered and
// working without JavaScript; what it shows comes from the device status
// model, the same one the control socket's `status` writes; it offers only
// the actions that apply now (no Unlink while nothing is linked, no
// click-to-call without a SIP line, nothing of a platform not configured).
//
//   GET  /                 the page: lines and why, calls, alerts, history, forms
//   GET  /live             the status part alone (the optional script swaps it in)
//   GET  /?page=N          call history page N (jambonz), fetched when not shown yet
//   POST /link             303 to {auth_url}/account-mgmt/linkAccount?client_id&redirect_uri&state
//   GET  <redirect path>   OAuth callback: state must match (else 400, nothing changes)
//   POST /e911             a page whose form POSTs to {auth_url}/account-mgmt/
//                          changeEmergencyAddress?success-redirect-url&failure-
//                          redirect-url&Authorization (the reference's method;
//                          the browser must carry the owner to the network's
//                          page, so the device cannot send it itself)
//   POST /unlink           unlink the line
//   POST /kazoo/e911       set the Kazoo number's E911 address (form fields
//                          postal_code, street_address, extended_address,
//                          locality, region); 303 back to the page, which
//                          shows "saving" and reloads until Kazoo answers
//   POST /kazoo/search     numbers on offer (field prefix); POST /kazoo/activate
//                          adds one (field number)
//   POST /call             click-to-call (field to)
//
// Every POST must come from the page itself: its Origin (or, without one,
// its Referer) must be the page's own origin, and its form must carry the
// per-boot CSRF token; otherwise 403 and nothing happens.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "firmware/status/device_status.hpp"
#include "firmware/web/account_actions.hpp"
#include "firmware/web/link_actions.hpp"
#include "protocol/http/http_parser.hpp"

namespace dialtone::web {

using Html = FixedString<limits::kWebResponseMax>;

struct WebPageConfig {
  std::string_view auth_url;
  std::string_view client_id;
  std::string_view redirect_uri;  // its path is the callback's path; its origin is also ours
};

class WebPage {
 public:
  static constexpr std::size_t kSecretHex = 32;  // 128 random bits

  // `yna` is null when the device has no YNA line.
  WebPage(const status::DeviceStatus& status, LinkActions* yna, Csprng& rng)
      : status_(status), yna_(yna), rng_(rng) {}

  // False when the configuration is unusable (logged) or no randomness.
  bool init(const WebPageConfig& cfg);
  // The page's own origin, e.g. "http://127.0.0.1:8080" (known once bound).
  void set_origin(std::string_view origin) { origin_.assign(origin); }
  // The account services' actions; null when none is configured.
  void set_account(AccountActions* account) { account_ = account; }

  // A complete response (Connection: close) into `out`; returns its length
  // (0 only when `out` is too small for any answer).
  std::size_t handle(const protocol::HttpRequestParser& req, std::span<char> out);
  // A response for a request that could not be parsed.
  std::size_t bad_request(std::span<char> out, int status = 400);

  std::string_view csrf_token() const { return csrf_.view(); }
  std::string_view pending_state() const { return state_.view(); }

 private:
  bool same_origin(const protocol::HttpRequestParser& req) const;
  bool csrf_ok(const protocol::HttpRequestParser& req) const;
  // `toggle`: the request's "w" parameter (see the refresh in status_page).
  std::size_t status_page(std::span<char> out, std::string_view notice, int calls_page = 1, bool toggle = false);
  std::size_t live_part(std::span<char> out);
  std::size_t html(std::span<char> out, std::string_view body);
  std::size_t action(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t search(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t activate(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t call(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t redirect(std::span<char> out, std::string_view location);
  std::size_t plain(std::span<char> out, int status, std::string_view text);
  std::size_t callback(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t link(std::span<char> out);
  std::size_t e911(std::span<char> out);
  std::size_t kazoo_e911(const protocol::HttpRequestParser& req, std::span<char> out);
  // The page's parts (page_render.cpp). The account services' ones return
  // true when something is still on its way (the page then reloads itself).
  // `reload`: where to look again in a second (empty: no reload).
  void head(Html& p, std::string_view title, std::string_view reload);
  void live_section(Html& p);
  void yna_section(Html& p);
  bool kazoo_section(Html& p);
  bool numbers_section(Html& p);
  bool alerts_section(Html& p);
  bool click_to_call_section(Html& p);
  bool history_section(Html& p, int page);
  void phone_section(Html& p);
  void form_start(Html& p, std::string_view action, std::string_view id = {});
  void button_form(Html& p, std::string_view action, std::string_view label, std::string_view cls = {});
  void address_form(Html& p, const protocol::kazoo::E911Address& a, std::string_view button, bool hidden);
  // The line state's signature: when it changes, so do the actions offered.
  void signature(Html& p);
  void note(std::string_view msg) { notice_.assign(msg); }
  status::LineState yna_state() const;

  const status::DeviceStatus& status_;
  LinkActions* yna_;
  AccountActions* account_ = nullptr;
  Csprng& rng_;
  FixedString<limits::kUrlMax> auth_url_;
  FixedString<128> client_id_;
  FixedString<limits::kUrlMax> redirect_uri_;
  FixedString<limits::kUrlMax> callback_path_;
  FixedString<limits::kUrlMax> redirect_origin_;
  FixedString<limits::kUrlMax> origin_;
  FixedString<kSecretHex> csrf_;
  FixedString<kSecretHex> state_;  // the pending link's state; empty when none
  FixedString<192> notice_;         // one-shot message for the next status page
  FixedString<limits::kUrlMax> auth_origin_;  // where the YNA forms and redirects go
  FixedString<limits::kUrlMax + 256> csp_;   // Content-Security-Policy, hashes of the inline style and script
  FixedString<limits::kServiceTextMax> call_form_error_;  // click-to-call refused before it started
  FixedString<limits::kDialDigitsMax> call_form_value_;   // ... and what was typed
};

// Constant-time comparison (secrets: state, CSRF token).
bool secret_equals(std::string_view a, std::string_view b);
// HTML-escapes `in` onto `out`; false when it does not fit.
bool html_escape_append(std::string_view in, Html& out);

}  // namespace dialtone::web
