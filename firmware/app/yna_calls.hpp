// Calls over the YNA line: the call controller's network port, carried out
// with the line's REST client, and the line's notifications turned into call
// events. One call at a time; a second invitation is ended with reason Busy.
//
// Call-progress posts of a call go out one at a time, in order: the REST
// client may use several connections, and /connected must not overtake
// /ringing on the way to the network.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/app/phone.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/line/yna_line.hpp"
#include "protocol/yna/channel_engine.hpp"

namespace dialtone::app {

class YnaCalls final : public call::CallNetwork, public protocol::yna::NotificationObserver {
 public:
  YnaCalls(line::YnaLine& line, Phone& phone) : line_(line), phone_(phone) {}

  // call::CallNetwork
  void start(std::string_view to, std::string_view sdp, std::string_view correlator) override;
  void post(call::Endpoint e, std::string_view call_id, std::string_view sdp) override;
  void end(std::string_view call_id, std::string_view reason) override;

  // protocol::yna::NotificationObserver
  void on_invitation(const protocol::yna::Notification& n) override;
  void on_status(const protocol::yna::Notification& n) override;

 private:
  struct QueuedPost {
    call::Endpoint endpoint = call::Endpoint::kInProgress;
    FixedString<limits::kYnaCallIdMax> call_id;
    FixedString<limits::kSdpMax> sdp;
  };

  void failed(const char* what, const protocol::yna::YnaResult& r);
  void send_next_post();
  void post_done(call::Endpoint ep, const protocol::yna::YnaResult& r);

  line::YnaLine& line_;
  Phone& phone_;
  std::uint32_t call_gen_ = 0;  // results of an earlier call are dropped
  static constexpr std::size_t kQueuedPostsMax = 4;  // inProgress, ringing, connected + one
  QueuedPost queue_[kQueuedPostsMax];
  std::size_t queue_head_ = 0, queue_len_ = 0;
  bool post_in_flight_ = false;
};

}  // namespace dialtone::app
