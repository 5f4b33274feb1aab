// The YNA line: account linking, tokens, registration, the notification
// channel and the REST client, all on the one EventLoop.
//
// It knows nothing of calls or of the web page: the call layer reaches the
// network through its REST client and hears it through the notification
// observer (firmware/line/yna_calls), and the web page's link actions call
// the public methods below (firmware/app wires them).
//
// Start-up: tokens are loaded from <state_dir>/yna-tokens.json; if present the
// line registers and opens the channel, otherwise it stays unlinked until the
// web page links it. Token pairs are stored atomically (mode 0600) before
// they are used; unlink erases them even when the server answers an error.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "firmware/line/line_observer.hpp"
#include "firmware/status/line_state.hpp"
#include "firmware/line/yna_line_state.hpp"
#include "protocol/http/http_client.hpp"
#include "protocol/pop/pop_token.hpp"
#include "protocol/tls/tls_stream.hpp"
#include "protocol/tls/transport_pool.hpp"
#include "protocol/websocket/ws_client.hpp"
#include "protocol/yna/channel_engine.hpp"
#include "protocol/yna/registration.hpp"
#include "protocol/yna/tokens.hpp"
#include "protocol/yna/yna_rest.hpp"

namespace dialtone::line {


class YnaLine final : private protocol::yna::YnaAuth,
                      private protocol::yna::ChannelEffects {
 public:
  // `rng` is the process's generator (firmware/core/random.hpp), seeded already.
  YnaLine(EventLoop& loop, Csprng& rng, const config::YnaConfig& cfg, std::string_view state_dir,
          LineObserver& observer);
  ~YnaLine() override;
  YnaLine(const YnaLine&) = delete;
  YnaLine& operator=(const YnaLine&) = delete;

  // Sets up TLS, the PoP key and the transports, loads tokens, and starts
  // registering when linked. False when the set-up failed (logged); the line
  // then stays unlinked and reports why on the web page.
  bool start();
  void stop();

  // yna-wire.md 3.6: closes the channel, sends DELETE /account/unlink, and
  // erases the stored tokens whatever the server answers.
  void unlink();
  LineState state() const { return state_; }
  std::string_view msisdn() const { return msisdn_.view(); }
  // As on_line_state() last said.
  std::string_view reason() const { return reason_.view(); }

  // For the call layer.
  protocol::yna::YnaRestClient& rest() { return rest_; }
  Csprng& rng() { return rng_; }
  void set_notification_observer(protocol::yna::NotificationObserver* o) { channel_.set_observer(o); }

  const protocol::yna::ChannelStats& channel_stats() const { return channel_.stats(); }

  // Linking, for the local web page (yna-wire.md section 3).
  // The browser is being sent to linkAccount (line state: linking).
  void link_started();
  // The callback came back with the right state but no code (e.g. access_denied).
  void link_cancelled(std::string_view why);
  // The callback came back with the right state and a code: exchange it.
  void link_complete(std::string_view code);
  // The current access token (for the E911 redirect); empty when not linked.
  std::string_view access_token() const { return tokens_.access_token(); }

 private:
  // YnaAuth
  void refresh_needed() override;
  // ChannelEffects
  void channel_connect() override;
  void channel_fetch_status() override;
  void channel_send_text(std::string_view text) override;
  void channel_send_ping() override;
  void channel_drop() override;
  void channel_changed() override;

  void pump();
  void kick();
  void arm();
  void update_state();
  void begin_registration();
  void send_status();
  void on_status(const protocol::yna::YnaResult& r);
  void send_refresh();
  void on_refresh(const protocol::yna::YnaResult& r);
  void on_code(const protocol::yna::YnaResult& r);
  bool store_tokens(const protocol::yna::TokenPair& p);
  void erase_tokens();
  void become_unlinked(const char* why);
  void add_error(std::string_view msg);
  void rest_answered(const protocol::yna::YnaResult& r);
  void channel_failed(const protocol::WsFailure& f);
  std::int64_t unix_now() const;

  EventLoop& loop_;
  const config::YnaConfig& cfg_;
  LineObserver& observer_;
  FixedString<limits::kPathMax> token_path_;
  FixedString<limits::kPathMax> state_dir_;

  Csprng& rng_;
  protocol::TlsContext tls_;
  protocol::TransportPool pool_;
  protocol::HttpClient http_;
  protocol::WebSocketClient ws_;
  protocol::PopSigner pop_;
  protocol::yna::YnaRestClient rest_;
  protocol::yna::TokenManager tokens_;
  protocol::yna::Registration reg_;
  protocol::yna::ChannelEngine channel_;

  bool started_ = false;
  bool linking_ = false;
  bool unlinking_ = false;
  bool registered_ = false;
  bool network_down_ = false;
  bool connect_failed_ = false;  // channel_connect() could not start: report on the next pump
  bool reported_ = false;
  LineState state_ = LineState::kUnlinked;
  FixedString<limits::kYnaMsisdnMax> msisdn_;
  FixedString<limits::kYnaMsisdnMax> reported_msisdn_;
  // What the last failed REST request / channel attempt said, and the
  // reason last reported (see yna_line_reason()).
  FixedString<limits::kCallReasonMax> rest_failure_;
  FixedString<limits::kCallReasonMax> channel_failure_;
  FixedString<limits::kCallReasonMax> reason_;
  FixedString<limits::kUrlMax> channel_url_;
  protocol::yna::TokenPair pending_;  // a new pair, between parse and store
  TimerId timer_;
  TimeMs timer_at_ = kNever;
};

}  // namespace dialtone::line
