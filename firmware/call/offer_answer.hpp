// The SDP offer/answer exchange of one call (RFC 3264 as JSEP runs it), as a
// machine of its own: at most one exchange at a time, and whether an SDP from
// the far end is an answer or a new offer follows from this state alone
// (yna-wire.md section 6). The SDP text itself lives in the media session.
//
//   stable --begin_offer--> making_offer --local_sdp--> offer_sent --answer--> stable
//   stable --begin_answer-> making_answer --local_sdp--> answer_made --sent--> stable
//
// An incoming call's answer is made while the phone rings and held in
// answer_made until the person answers, so answering is instant.
#pragma once
#include <cstdint>

#include "firmware/call/call_types.hpp"

namespace dialtone::call {

class OfferAnswer {
 public:
  enum class Phase : std::uint8_t { kStable, kMakingOffer, kOfferSent, kMakingAnswer, kAnswerMade };
  enum class Made : std::uint8_t { kNothing, kOffer, kAnswer };

  Phase phase() const { return phase_; }
  bool stable() const { return phase_ == Phase::kStable; }
  OfferPurpose offer_purpose() const { return offer_; }
  RemotePurpose answer_purpose() const { return answer_; }
  // Is an SDP from the far end the answer to our offer (else: a new offer)?
  bool awaits_answer() const { return phase_ == Phase::kOfferSent; }
  bool offering(OfferPurpose p) const {
    return (phase_ == Phase::kMakingOffer || phase_ == Phase::kOfferSent) && offer_ == p;
  }
  bool answer_ready() const { return phase_ == Phase::kAnswerMade; }

  // Both refuse (false) unless the exchange is stable: glare is resolved by
  // whoever asked first.
  bool begin_offer(OfferPurpose p) { return begin(Phase::kMakingOffer, p, answer_); }
  bool begin_answer(RemotePurpose p) { return begin(Phase::kMakingAnswer, offer_, p); }

  // The media session finished the SDP it was asked for.
  Made local_sdp_ready() {
    if (phase_ == Phase::kMakingOffer) { phase_ = Phase::kOfferSent; return Made::kOffer; }
    if (phase_ == Phase::kMakingAnswer) { phase_ = Phase::kAnswerMade; return Made::kAnswer; }
    return Made::kNothing;
  }
  void answer_applied() { if (phase_ == Phase::kOfferSent) phase_ = Phase::kStable; }
  void answer_sent() { if (phase_ == Phase::kAnswerMade) phase_ = Phase::kStable; }
  // The line could not deliver our offer: nothing changed on either side.
  void offer_refused() {
    if (phase_ == Phase::kMakingOffer || phase_ == Phase::kOfferSent) phase_ = Phase::kStable;
  }
  void reset() { *this = OfferAnswer{}; }

 private:
  bool begin(Phase next, OfferPurpose o, RemotePurpose a) {
    if (phase_ != Phase::kStable) return false;
    phase_ = next;
    offer_ = o;
    answer_ = a;
    return true;
  }

  Phase phase_ = Phase::kStable;
  OfferPurpose offer_ = OfferPurpose::kCall;
  RemotePurpose answer_ = RemotePurpose::kCall;
};

}  // namespace dialtone::call
