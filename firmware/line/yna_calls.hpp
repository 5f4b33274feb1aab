// The YNA line adapter: the call layer's signals carried out with the line's
// REST client (yna-wire.md section 6), and the line's notifications turned
// into line-neutral call events.
//
// Call-progress posts go out one at a time, in order: the REST client may
// use several connections, and /connected must not overtake /ringing on the
// way to the network.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/call/call_layer.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/line/yna_line.hpp"
#include "firmware/status/device_status.hpp"
#include "protocol/yna/channel_engine.hpp"

namespace dialtone::line {

class YnaCalls final : public call::CallLine, public protocol::yna::NotificationObserver {
 public:
  YnaCalls(YnaLine& line, call::CallLayer& calls, status::DeviceStatus& status)
      : line_(line), calls_(calls), status_(status) {}
  // The call layer's index for this line (CallLayer::add_line).
  void set_index(std::uint8_t i) { index_ = i; }

  // call::CallLine
  std::string_view name() const override { return "yna"; }
  std::string_view unavailable_reason() const override;
  void place(const call::CallMachine& call, std::string_view to, std::string_view offer) override;
  void alert(const call::CallMachine& call) override;
  void send_answer(const call::CallMachine& call, std::string_view answer) override;
  void send_offer(const call::CallMachine& call, call::OfferPurpose why, std::string_view offer) override;
  void send_offer_answer(const call::CallMachine& call, call::RemotePurpose why, std::string_view answer) override;
  void end(const call::CallMachine& call, call::EndReason why) override;
  void refuse(std::string_view call_id, call::EndReason why) override;

  // protocol::yna::NotificationObserver
  void on_invitation(const protocol::yna::Notification& n) override;
  void on_status(const protocol::yna::Notification& n) override;

 private:
  struct QueuedPost {
    protocol::yna::Endpoint endpoint = protocol::yna::Endpoint::kInProgress;
    call::Signal signal = call::Signal::kAlerting;
    FixedString<limits::kCallIdMax> call_id;
    FixedString<limits::kSdpMax> sdp;
  };

  void failed(const char* what, const protocol::yna::YnaResult& r);
  void post(protocol::yna::Endpoint ep, call::Signal signal, std::string_view call_id, std::string_view sdp);
  void send_next_post();
  void post_done(const protocol::yna::YnaResult& r);
  void to_calls(std::uint32_t device_id, const call::Event& e) { calls_.from_line(index_, device_id, e); }
  void send_end(std::string_view call_id, call::EndReason why);

  YnaLine& line_;
  call::CallLayer& calls_;
  status::DeviceStatus& status_;
  std::uint8_t index_ = 0;
  // An outgoing call hung up before /start answered: ended once it has an id.
  std::uint32_t end_when_started_ = 0;
  static constexpr std::size_t kQueuedPostsMax = 6;  // inProgress, ringing, connected, for two calls
  QueuedPost queue_[kQueuedPostsMax];
  struct InFlight {
    protocol::yna::Endpoint endpoint = protocol::yna::Endpoint::kInProgress;
    call::Signal signal = call::Signal::kAlerting;
    FixedString<limits::kCallIdMax> call_id;
  } in_flight_;
  std::size_t queue_head_ = 0, queue_len_ = 0;
  bool post_in_flight_ = false;
};

}  // namespace dialtone::line
