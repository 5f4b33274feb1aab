// The local web page of device-control.md and yna-wire.md section 3, as a
// pure request handler: a parsed HTTP request in, a complete HTTP response
// out. The socket side is web_server.hpp. What it shows comes from the
// device status model; it offers only the actions that apply now (no YNA
// line: none of the YNA ones).
//
//   GET  /                 status: line state, number, calls, last errors
//   POST /link             303 to {auth_url}/account-mgmt/linkAccount?client_id&redirect_uri&state
//   GET  <redirect path>   OAuth callback: state must match (else 400, nothing changes)
//   POST /e911             303 to {auth_url}/account-mgmt/changeEmergencyAddress?...
//   POST /unlink           unlink the line
//   POST /kazoo/e911       set the Kazoo number's E911 address (form fields
//                          postal_code, street_address, extended_address,
//                          locality, region); 303 back to the page, which
//                          shows "saving" and reloads until Kazoo answers
//   GET  /?page=N          call history page N (jambonz), fetched when not shown yet
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
  std::size_t status_page(std::span<char> out, std::string_view notice, int calls_page = 1);
  std::size_t redirect(std::span<char> out, std::string_view location);
  std::size_t plain(std::span<char> out, int status, std::string_view text);
  std::size_t callback(const protocol::HttpRequestParser& req, std::span<char> out);
  std::size_t link(std::span<char> out);
  std::size_t e911(std::span<char> out);
  std::size_t kazoo_e911(const protocol::HttpRequestParser& req, std::span<char> out);
  // The page's account services sections; true when something is still
  // on its way (the page then reloads itself).
  bool kazoo_section(FixedString<limits::kWebResponseMax>& p);
  bool jambonz_section(FixedString<limits::kWebResponseMax>& p, int page);
  void address_form(FixedString<limits::kWebResponseMax>& p, const protocol::kazoo::E911Address& a,
                    std::string_view button, bool hidden);
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
};

// Constant-time comparison (secrets: state, CSRF token).
bool secret_equals(std::string_view a, std::string_view b);
// HTML-escapes `in` onto `out`; false when it does not fit.
bool html_escape_append(std::string_view in, FixedString<limits::kWebResponseMax>& out);

}  // namespace dialtone::web
