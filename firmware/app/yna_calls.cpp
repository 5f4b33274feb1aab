#include "firmware/app/yna_calls.hpp"

#include <cstdio>

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::app {
namespace {

namespace yna = protocol::yna;

yna::Endpoint to_yna(call::Endpoint e) {
  switch (e) {
    case call::Endpoint::kInProgress: return yna::Endpoint::kInProgress;
    case call::Endpoint::kRinging: return yna::Endpoint::kRinging;
    case call::Endpoint::kProceeding: return yna::Endpoint::kProceeding;
    case call::Endpoint::kConnected: return yna::Endpoint::kConnected;
    case call::Endpoint::kHold: return yna::Endpoint::kHold;
    case call::Endpoint::kAcceptHold: return yna::Endpoint::kAcceptHold;
    case call::Endpoint::kResume: return yna::Endpoint::kResume;
    case call::Endpoint::kAcceptResume: return yna::Endpoint::kAcceptResume;
    case call::Endpoint::kRenegotiate: return yna::Endpoint::kRenegotiate;
  }
  return yna::Endpoint::kRenegotiate;
}

// The handset dials digits; the API wants tel: URIs in E.164. Ten digits are
// a North American number without its country code.
void tel_uri(std::string_view number, FixedString<48>& out) {
  out.assign("tel:");
  if (!number.empty() && number[0] == '+') {
    out.append(number);
    return;
  }
  out.append(number.size() == 10 ? "+1" : "+");
  out.append(number);
}

}  // namespace

void YnaCalls::failed(const char* what, const yna::YnaResult& r) {
  char msg[192];
  std::snprintf(msg, sizeof msg, "%s failed: %s (HTTP %d, x-transaction-id %.*s)", what, yna::to_string(r.kind),
                r.status, static_cast<int>(r.txid.size()), r.txid.data());
  DT_LOGW("calls", "%s", msg);
  phone_.set_error(msg);
}

void YnaCalls::start(std::string_view to, std::string_view sdp, std::string_view) {
  ++call_gen_;
  FixedString<48> to_uri, from_uri;
  tel_uri(to, to_uri);
  tel_uri(line_.msisdn(), from_uri);
  // A fresh clientCorrelator per call; the REST client's retries resend the
  // same body, which keeps /start idempotent.
  char correlator[protocol::Csprng::kUuidLen + 1] = {};
  line_.rng().uuid_v4(std::span<char, protocol::Csprng::kUuidLen>(correlator, protocol::Csprng::kUuidLen));
  std::uint32_t gen = call_gen_;
  bool sent = line_.rest().start_call(to_uri.view(), from_uri.view(), sdp, correlator, [this, gen](const yna::YnaResult& r) {
    if (gen != call_gen_) return;
    if (!r.ok()) {
      failed("/start", r);
      call::Event e{.kind = call::Event::Kind::kStartFailed};
      e.http_status = r.kind == yna::YnaResult::Kind::kTransport ? 0 : r.status;
      phone_.call_event(e);
      return;
    }
    JsonDocument doc(r.body);
    auto call_id = json_string(doc.root(), "callId");
    if (!call_id || call_id->empty()) {
      DT_LOGW("calls", "/start answered without a callId (x-transaction-id %.*s)", static_cast<int>(r.txid.size()),
              r.txid.data());
      call::Event e{.kind = call::Event::Kind::kStartFailed};
      e.http_status = r.status;
      phone_.call_event(e);
      return;
    }
    call::Event e{.kind = call::Event::Kind::kStartOk};
    e.call_id = *call_id;
    phone_.call_event(e);
  });
  if (!sent) {
    DT_LOGW("calls", "/start could not be sent (no free request slot or too large)");
    call::Event e{.kind = call::Event::Kind::kStartFailed};
    phone_.call_event(e);
  }
}

void YnaCalls::post(call::Endpoint ep, std::string_view call_id, std::string_view sdp) {
  if (queue_len_ == kQueuedPostsMax) {
    DT_LOGW("calls", "/%s dropped: %zu posts already waiting", call::endpoint_path(ep), queue_len_);
    call::Event e{.kind = call::Event::Kind::kPostFailed};
    e.endpoint = ep;
    phone_.call_event(e);
    return;
  }
  QueuedPost& q = queue_[(queue_head_ + queue_len_) % kQueuedPostsMax];
  q.endpoint = ep;
  q.call_id.assign(call_id);
  q.sdp.assign(sdp);  // the media session may make a new SDP before this goes out
  ++queue_len_;
  if (!post_in_flight_) send_next_post();
}

void YnaCalls::send_next_post() {
  while (queue_len_ > 0 && !post_in_flight_) {
    QueuedPost& q = queue_[queue_head_];
    const call::Endpoint ep = q.endpoint;
    const std::uint32_t gen = call_gen_;
    post_in_flight_ = line_.rest().call_post(to_yna(ep), q.call_id.view(), q.sdp.view(),
                                             [this, gen, ep](const yna::YnaResult& r) {
                                               post_in_flight_ = false;
                                               if (gen == call_gen_) post_done(ep, r);
                                               send_next_post();
                                             });
    queue_head_ = (queue_head_ + 1) % kQueuedPostsMax;
    --queue_len_;
    if (!post_in_flight_) {
      DT_LOGW("calls", "/%s could not be sent", call::endpoint_path(ep));
      call::Event e{.kind = call::Event::Kind::kPostFailed};
      e.endpoint = ep;
      phone_.call_event(e);
    }
  }
}

void YnaCalls::post_done(call::Endpoint ep, const yna::YnaResult& r) {
  call::Event e{.kind = r.ok() ? call::Event::Kind::kPostOk : call::Event::Kind::kPostFailed};
  e.endpoint = ep;
  e.http_status = r.status;
  if (!r.ok()) failed(call::endpoint_path(ep), r);
  phone_.call_event(e);
}

void YnaCalls::end(std::string_view call_id, std::string_view reason) {
  ++call_gen_;  // whatever was in flight or queued for this call no longer matters
  queue_len_ = 0;
  bool sent = line_.rest().end_call(call_id, reason, [this](const yna::YnaResult& r) {
    if (!r.ok()) failed("/end", r);
  });
  if (!sent) DT_LOGW("calls", "/end could not be sent; the network will time the call out");
}

void YnaCalls::on_invitation(const yna::Notification& n) {
  if (phone_.call_active()) {
    DT_LOGI("calls", "incoming call %.*s while busy: ending it with reason Busy", static_cast<int>(n.call_id.size()),
            n.call_id.data());
    line_.rest().end_call(n.call_id, "Busy", [this](const yna::YnaResult& r) {
      if (!r.ok()) failed("/end (Busy)", r);
    });
    return;
  }
  ++call_gen_;
  queue_len_ = 0;
  call::Event e{.kind = call::Event::Kind::kInvitation};
  e.call_id = n.call_id;
  e.number = n.originator_address;
  e.verification = n.verification_status;
  e.sdp = n.sdp;
  phone_.call_event(e);
}

void YnaCalls::on_status(const yna::Notification& n) {
  call::Event e{.kind = call::Event::Kind::kStatus};
  e.call_id = n.call_id;
  e.status = call::parse_status(n.status);
  e.sdp = n.sdp;
  e.early_media_direction = n.early_media_direction;
  e.reason = n.reason;
  e.http_status = n.response_code.value_or(0);
  if (!phone_.call_active() || phone_.current_call_id() != n.call_id) {
    DT_LOGW("calls", "status %.*s for call %.*s, which is not ours: ignored", static_cast<int>(n.status.size()),
            n.status.data(), static_cast<int>(n.call_id.size()), n.call_id.data());
    return;
  }
  phone_.call_event(e);
}

}  // namespace dialtone::app
