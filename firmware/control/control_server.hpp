// The control socket of spec/device-control.md: a UNIX stream socket where
// each request is one line of JSON (at most 4 KiB) and each reply one line
// (at most 16 KiB). Subscribed connections also receive events. A malformed
// (an empty one included), over-long or unknown request gets an error reply
// and the connection stays usable.
//
// Fixed memory: kControlClientsMax connections, each with a line buffer and
// a bounded output queue. A client that stops reading until its queue is
// full is disconnected (logged) rather than allowed to stall the phone.
// When every slot is taken, a new connection takes the slot of an idle one
// (see IdlePolicy), so abandoned connections cannot lock the owner out.
//
// A command that needs a network round trip (the account services) defers
// its reply: the handler keeps the Reply's token and completes it later.
// Meanwhile the connection stays usable; requests sent in the meantime are
// answered in the order their answers are ready.
#pragma once
#include <cjson/cJSON.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/json.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

namespace dialtone::control {

// Names a connection's pending reply; stale once the connection has closed.
struct ReplyToken {
  std::size_t client = static_cast<std::size_t>(-1);
  std::uint32_t gen = 0;
};

// The reply being built for one request. Handlers call ok() (then add fields
// through writer()) or error(), or defer() and answer later through
// ControlServer::complete().
class Reply {
 public:
  explicit Reply(std::span<char> buf, ReplyToken token = {}) : buf_(buf), w_(buf), token_(token) {}
  JsonWriter& ok() {
    w_.begin_object().boolean("ok", true);
    answered_ = true;
    return w_;
  }
  void error(std::string_view code, std::string_view message) {
    w_.begin_object().boolean("ok", false).begin_object("error").string("code", code).string("message", message).end_object().end_object();
    answered_ = true;
  }
  ReplyToken defer() {
    deferred_ = answered_ = true;
    return token_;
  }
  bool answered() const { return answered_; }
  bool deferred() const { return deferred_; }
  JsonWriter& writer() { return w_; }
  // Throws away what was written and answers with this error instead.
  void replace_with_error(std::string_view code, std::string_view message) {
    w_ = JsonWriter(buf_);
    error(code, message);
  }

 private:
  std::span<char> buf_;
  JsonWriter w_;
  ReplyToken token_;
  bool answered_ = false;
  bool deferred_ = false;
};

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  // `request` is the parsed JSON object; `cmd` its "cmd" string.
  virtual void on_command(std::string_view cmd, const cJSON* request, Reply& reply) = 0;
};

// One request line answered, without the socket: malformed, empty or
// unknown requests get their error, "subscribe" is reported back for the
// connection to remember, anything else goes to the handler. Pure, so the
// server and the fuzzer run the same code.
enum class RequestOutcome { kAnswered, kDeferred, kSubscribe };
RequestOutcome answer_request(std::string_view line, CommandHandler& handler, Reply& reply);

// When a connection counts as idle, by the loop's clock. Subscribed
// connections are long-lived listeners: one is given up only when no
// unsubscribed connection is idle, and only after `idle_ms` of silence.
struct IdlePolicy {
  TimeMs first_request_ms = limits::kControlFirstRequestMs;  // connected, no complete request yet
  TimeMs idle_ms = limits::kControlIdleMs;                   // since the last complete request
};

class ControlServer {
 public:
  ControlServer(EventLoop& loop, CommandHandler& handler, IdlePolicy idle = {})
      : loop_(loop), handler_(handler), idle_(idle) {}
  ~ControlServer();

  // Binds <path> (replacing a stale socket), mode 0660.
  bool start(const char* path);
  void stop();

  // Sends one event line to every subscribed connection.
  void broadcast(std::string_view json);
  // Sends a deferred reply (one JSON object). False when its connection has
  // closed meanwhile (the answer is dropped).
  bool complete(ReplyToken token, std::string_view json);
  std::size_t clients() const;

 private:
  struct Client {
    int fd = -1;
    std::uint32_t gen = 0;  // changes with every connection the slot holds
    bool subscribed = false;
    bool discarding = false;  // skipping the rest of an over-long line
    bool requested = false;   // has sent at least one complete line
    TimeMs last_active = 0;   // connected, or last complete line
    std::size_t in_len = 0;
    char in[limits::kControlLineMax];
    ByteRing<limits::kControlOutMax> out;
  };

  void on_accept();
  Client* free_slot();
  Client* idle_slot(bool subscribed);
  void on_client(Client& c, short revents);
  void handle_line(Client& c, std::string_view line);
  void queue(Client& c, std::string_view line);
  void flush(Client& c);
  void drop(Client& c, const char* why);

  EventLoop& loop_;
  CommandHandler& handler_;
  IdlePolicy idle_;
  int listen_fd_ = -1;
  FixedString<limits::kPathMax> path_;
  Client clients_[limits::kControlClientsMax];
  PoolGauge gauge_{"control_connections", limits::kControlClientsMax};
};

}  // namespace dialtone::control
