#include "firmware/line/yna_calls.hpp"

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::line {
namespace {

namespace yna = protocol::yna;
using call::Event;
using K = call::Event::Kind;

// yna-wire.md section 6: `to` and `from` of /start are msisdns, E.164 digits
// with no '+' and no URI scheme; a number the dial plan sends as dialled
// ("911") has no '+' to drop and goes as it is.
std::string_view msisdn_of(std::string_view number) {
  if (number.size() >= 4 && ascii_iequals(number.substr(0, 4), "tel:")) number.remove_prefix(4);
  if (!number.empty() && number[0] == '+') number.remove_prefix(1);
  return number;
}

bool is_media_direction(std::string_view d) {
  return ascii_iequals(d, "SendRecv") || ascii_iequals(d, "SendOnly") || ascii_iequals(d, "RecvOnly") ||
         ascii_iequals(d, "Inactive");
}

// A SessionStatus of the calling API (yna-calling-api.md) as a call event;
// false for the statuses a call does not act on (Initial, Waiting, Forwarded).
bool status_event(std::string_view status, Event& e) {
  struct Row { const char* name; K kind; call::EndCause cause; };
  static constexpr Row kRows[] = {
      {"InProgress", K::kTrying, {}},       {"Proceeding", K::kTrying, {}},
      {"Ringing", K::kAlerting, {}},        {"Connected", K::kAnswered, {}},
      {"Hold", K::kRemoteHold, {}},         {"Resume", K::kRemoteResume, {}},
      {"Terminated", K::kRemoteEnded, call::EndCause::kTerminated},
      {"SessionCancelled", K::kRemoteEnded, call::EndCause::kCancelled},
      {"Declined", K::kRemoteEnded, call::EndCause::kDeclined},
      {"Busy", K::kRemoteEnded, call::EndCause::kBusy},
      {"NoAnswer", K::kRemoteEnded, call::EndCause::kNoAnswer},
      {"NotReachable", K::kRemoteEnded, call::EndCause::kNotReachable},
      {"Failed", K::kRemoteEnded, call::EndCause::kFailed},
  };
  for (const Row& r : kRows) {
    if (status == r.name) {
      e.kind = r.kind;
      e.cause = r.cause;
      return true;
    }
  }
  return false;
}

yna::Endpoint offer_endpoint(call::OfferPurpose p) {
  switch (p) {
    case call::OfferPurpose::kHold: return yna::Endpoint::kHold;
    case call::OfferPurpose::kResume: return yna::Endpoint::kResume;
    case call::OfferPurpose::kCall:
    case call::OfferPurpose::kRestart: break;
  }
  return yna::Endpoint::kRenegotiate;
}

yna::Endpoint answer_endpoint(call::RemotePurpose p) {
  switch (p) {
    case call::RemotePurpose::kHold: return yna::Endpoint::kAcceptHold;
    case call::RemotePurpose::kResume: return yna::Endpoint::kAcceptResume;
    case call::RemotePurpose::kCall: return yna::Endpoint::kConnected;
    case call::RemotePurpose::kUpdate: break;
  }
  return yna::Endpoint::kRenegotiate;
}

}  // namespace

std::string_view YnaCalls::unavailable_reason() const {
  // The line's own words first ("cannot reach ...: DNS lookup timed out").
  if (!line_.reason().empty()) return line_.reason();
  return status::line_unavailable_reason(line_.state());
}

void YnaCalls::failed(const char* what, const yna::YnaResult& r) {
  char msg[192];
  std::snprintf(msg, sizeof msg, "%s failed: %s (HTTP %d, x-transaction-id %.*s)", what, yna::to_string(r.kind),
                r.status, static_cast<int>(r.txid.size()), r.txid.data());
  DT_LOGW("calls", "%s", msg);
  status_.add_error(msg);
}

void YnaCalls::place(const call::CallMachine& call, std::string_view to, std::string_view offer) {
  // A fresh clientCorrelator per call; the REST client's retries resend the
  // same body, which keeps /start idempotent.
  const std::uint32_t id = call.id();
  char correlator[Csprng::kUuidLen + 1] = {};
  if (!line_.rng().uuid_v4(std::span<char, Csprng::kUuidLen>(correlator, Csprng::kUuidLen))) {
    // Never an empty or repeated correlator: without randomness the call is refused.
    to_calls(id, Event{.kind = K::kRejected, .reason = "no random clientCorrelator"});
    return;
  }
  bool sent = line_.rest().start_call(msisdn_of(to), msisdn_of(line_.msisdn()), offer, correlator,
                                      [this, id](const yna::YnaResult& r) {
    Event e{.kind = K::kRejected};
    if (!r.ok()) {
      failed("/start", r);
      e.code = r.kind == yna::YnaResult::Kind::kTransport ? 0 : r.status;
      to_calls(id, e);
      return;
    }
    JsonDocument doc(r.body);
    auto call_id = json_string(doc.root(), "callId");
    if (!call_id || call_id->empty()) {
      DT_LOGW("calls", "/start answered without a callId (x-transaction-id %.*s)", static_cast<int>(r.txid.size()),
              r.txid.data());
      e.code = r.status;
      to_calls(id, e);
      return;
    }
    if (end_when_started_ == id) {
      // Hung up while /start was on its way: the network's call ends now.
      end_when_started_ = 0;
      send_end(*call_id, call::EndReason::kTerminated);
      return;
    }
    to_calls(id, Event{.kind = K::kAccepted, .call_id = *call_id});
  });
  if (!sent) {
    DT_LOGW("calls", "/start could not be sent (no free request slot or too large)");
    to_calls(id, Event{.kind = K::kRejected, .reason = "the request could not be sent"});
  }
}

void YnaCalls::alert(const call::CallMachine& call) {
  post(yna::Endpoint::kInProgress, call::Signal::kAlerting, call.call_id(), {});
  post(yna::Endpoint::kRinging, call::Signal::kAlerting, call.call_id(), {});
}

void YnaCalls::send_answer(const call::CallMachine& call, std::string_view answer) {
  post(yna::Endpoint::kConnected, call::Signal::kAnswer, call.call_id(), answer);
}

void YnaCalls::send_offer(const call::CallMachine& call, call::OfferPurpose why, std::string_view offer) {
  post(offer_endpoint(why), call::Signal::kOffer, call.call_id(), offer);
}

void YnaCalls::send_offer_answer(const call::CallMachine& call, call::RemotePurpose why, std::string_view answer) {
  post(answer_endpoint(why), call::Signal::kOfferAnswer, call.call_id(), answer);
}

void YnaCalls::post(yna::Endpoint ep, call::Signal signal, std::string_view call_id, std::string_view sdp) {
  if (queue_len_ == kQueuedPostsMax) {
    DT_LOGW("calls", "/%s dropped: %zu posts already waiting", yna::endpoint_name(ep), queue_len_);
    to_calls(0, Event{.kind = K::kSignalFailed, .call_id = call_id, .signal = signal});
    return;
  }
  QueuedPost& q = queue_[(queue_head_ + queue_len_) % kQueuedPostsMax];
  q.endpoint = ep;
  q.signal = signal;
  q.call_id.assign(call_id);
  q.sdp.assign(sdp);  // the media session may make a new SDP before this goes out
  ++queue_len_;
  if (!post_in_flight_) send_next_post();
}

void YnaCalls::send_next_post() {
  while (queue_len_ > 0 && !post_in_flight_) {
    QueuedPost& q = queue_[queue_head_];
    in_flight_.endpoint = q.endpoint;
    in_flight_.signal = q.signal;
    in_flight_.call_id.assign(q.call_id.view());
    post_in_flight_ = line_.rest().call_post(q.endpoint, q.call_id.view(), q.sdp.view(),
                                             [this](const yna::YnaResult& r) {
                                               post_in_flight_ = false;
                                               post_done(r);
                                               send_next_post();
                                             });
    queue_head_ = (queue_head_ + 1) % kQueuedPostsMax;
    --queue_len_;
    if (!post_in_flight_) {
      DT_LOGW("calls", "/%s could not be sent", yna::endpoint_name(in_flight_.endpoint));
      to_calls(0, Event{.kind = K::kSignalFailed, .call_id = in_flight_.call_id.view(), .signal = in_flight_.signal});
    }
  }
}

void YnaCalls::post_done(const yna::YnaResult& r) {
  const std::string_view call_id = in_flight_.call_id.view();
  if (!r.ok()) {
    failed(yna::endpoint_name(in_flight_.endpoint), r);
    to_calls(0, Event{.kind = K::kSignalFailed, .call_id = call_id, .signal = in_flight_.signal, .code = r.status});
    return;
  }
  // The 200 of /connected is the confirmation: no Connected status follows.
  if (in_flight_.endpoint == yna::Endpoint::kConnected)
    to_calls(0, Event{.kind = K::kConfirmed, .call_id = call_id});
}

void YnaCalls::end(const call::CallMachine& call, call::EndReason why) {
  // Whatever was waiting to go out for this call no longer matters.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < queue_len_; ++i) {
    QueuedPost& q = queue_[(queue_head_ + i) % kQueuedPostsMax];
    if (q.call_id.view() == call.call_id()) continue;
    if (kept != i) {
      QueuedPost& dst = queue_[(queue_head_ + kept) % kQueuedPostsMax];
      dst.endpoint = q.endpoint;
      dst.signal = q.signal;
      dst.call_id.assign(q.call_id.view());
      dst.sdp.assign(q.sdp.view());
    }
    ++kept;
  }
  queue_len_ = kept;
  if (call.call_id().empty()) {
    end_when_started_ = call.id();
    return;
  }
  send_end(call.call_id(), why);
}

void YnaCalls::refuse(std::string_view call_id, call::EndReason why) { send_end(call_id, why); }

void YnaCalls::send_end(std::string_view call_id, call::EndReason why) {
  bool sent = line_.rest().end_call(call_id, call::end_reason_name(why), [this](const yna::YnaResult& r) {
    if (!r.ok()) failed("/end", r);
  });
  if (!sent) DT_LOGW("calls", "/end could not be sent; the network will time the call out");
}

void YnaCalls::on_invitation(const yna::Notification& n) {
  to_calls(0, Event{.kind = K::kIncoming,
                    .number = n.originator_address,
                    .call_id = n.call_id,
                    .peer_name = n.originator_name,
                    .verification = n.verification_status,
                    .sdp = n.sdp});
}

void YnaCalls::on_status(const yna::Notification& n) {
  Event e{.kind = K::kTrying, .call_id = n.call_id, .sdp = n.sdp, .reason = n.reason};
  if (!status_event(n.status, e)) {
    DT_LOGI("calls", "status %.*s for call %.*s: nothing to do", static_cast<int>(n.status.size()), n.status.data(),
            static_cast<int>(n.call_id.size()), n.call_id.data());
    return;
  }
  e.early_media = is_media_direction(n.early_media_direction);
  e.code = n.response_code.value_or(0);
  to_calls(0, e);
}

}  // namespace dialtone::line
