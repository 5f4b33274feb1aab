// The YNA line: account linking, tokens, registration, the notification
// channel and the REST client, all on the one EventLoop.
//
// ---- How to wire it (for firmware/main.cpp and firmware/app/phone.*) ----------
//   CMake: in firmware/CMakeLists.txt
//       include(line/yna_line.cmake)       # defines dialtone_yna_line (+ dialtone_web)
//       target_link_libraries(dialtoned PRIVATE dialtone_yna_line)
//   main.cpp, after the phone is built and only when g_config.yna.present:
//       static line::YnaLine yna(loop, g_config.yna, g_config.state_dir.view(), phone);
//       static web::WebServer web(loop, yna);
//       yna.start();                                    // loads tokens; registers if linked
//       web.start(g_config.web.host.view(), g_config.web.port, yna.web_config());
//   Phone: derive from line::YnaLineObserver and implement
//       void on_line_state(line::LineState s, std::string_view msisdn) override
//         { line_state_ = s; msisdn_.assign(msisdn); emit_line_event(); }
//     (it is called once from start() and on every change after), and route
//     the control socket's {"cmd":"unlink"} to yna.unlink().
//   The call layer: yna.rest() (YnaRestClient: start_call, call_post, end_call)
//     and yna.set_notification_observer(&calls) (on_invitation / on_status).
//   Shutdown: yna.stop(); web.stop();
// ---------------------------------------------------------------------------------
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
#include "firmware/line/line.hpp"
#include "firmware/line/yna_line_state.hpp"
#include "firmware/web/web_backend.hpp"
#include "firmware/web/web_page.hpp"
#include "protocol/common/random.hpp"
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

class YnaLineObserver {
 public:
  virtual ~YnaLineObserver() = default;
  // Every change of state or number (and once from start()).
  virtual void on_line_state(LineState state, std::string_view msisdn) = 0;
};

class YnaLine final : public web::WebBackend,
                      private protocol::yna::YnaAuth,
                      private protocol::yna::ChannelEffects {
 public:
  YnaLine(EventLoop& loop, const config::YnaConfig& cfg, std::string_view state_dir, YnaLineObserver& observer);
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
  void unlink() override;
  LineState state() const { return state_; }
  std::string_view msisdn() const override { return msisdn_.view(); }

  // For the call layer.
  protocol::yna::YnaRestClient& rest() { return rest_; }
  protocol::Csprng& rng() { return rng_; }
  void set_notification_observer(protocol::yna::NotificationObserver* o) { channel_.set_observer(o); }

  // For the web server.
  web::WebPageConfig web_config() const;
  const protocol::yna::ChannelStats& channel_stats() const { return channel_.stats(); }

  // web::WebBackend
  LineState line_state() const override { return state_; }
  void link_started() override;
  void link_cancelled(std::string_view why) override;
  void link_complete(std::string_view code) override;
  std::string_view access_token() const override { return tokens_.access_token(); }
  std::size_t last_errors(std::span<std::string_view> out) const override;
  // The phone describes its calls for the status page.
  using CallLines = InplaceFunction<std::size_t(std::span<std::string_view>), 16>;
  void set_call_lines(CallLines f) { call_lines_ = std::move(f); }
  std::size_t call_lines(std::span<std::string_view> out) const override {
    return call_lines_ ? call_lines_(out) : 0;
  }

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
  std::int64_t unix_now() const;

  EventLoop& loop_;
  const config::YnaConfig& cfg_;
  YnaLineObserver& observer_;
  FixedString<limits::kPathMax> token_path_;
  FixedString<limits::kPathMax> state_dir_;

  protocol::Csprng rng_;
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
  CallLines call_lines_;
  FixedString<limits::kYnaMsisdnMax> reported_msisdn_;
  FixedString<limits::kUrlMax> channel_url_;
  protocol::yna::TokenPair pending_;  // a new pair, between parse and store
  TimerId timer_;
  TimeMs timer_at_ = protocol::yna::kNever;
  FixedString<160> errors_[limits::kYnaErrorsKept];
  std::size_t errors_next_ = 0;
  std::size_t errors_count_ = 0;
};

}  // namespace dialtone::line
