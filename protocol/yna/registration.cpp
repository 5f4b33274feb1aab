#include "protocol/yna/registration.hpp"

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"
#include "protocol/common/url.hpp"

namespace dialtone::protocol::yna {

const char* to_string(StatusError e) {
  switch (e) {
    case StatusError::kOk: return "ok";
    case StatusError::kNotJson: return "not JSON";
    case StatusError::kNotObject: return "not a JSON object";
    case StatusError::kNoChannelUrl: return "channelUrl missing";
    case StatusError::kBadChannelUrl: return "channelUrl is not a ws(s) URL";
    case StatusError::kNoLines: return "lines missing";
    case StatusError::kNoRegisteredLine: return "no line with regStatus true";
  }
  return "?";
}

StatusError parse_registration_status(std::string_view body, RegistrationInfo& out) {
  JsonDocument doc(body);
  if (!doc.ok()) return StatusError::kNotJson;
  const cJSON* root = doc.root();
  if (!cJSON_IsObject(root)) return StatusError::kNotObject;
  auto url = json_string(root, "channelUrl");
  if (!url || url->empty()) return StatusError::kNoChannelUrl;
  Url parsed;
  if (url->size() > limits::kUrlMax || parse_url(*url, parsed) != UrlError::kOk ||
      (parsed.scheme != Scheme::kWs && parsed.scheme != Scheme::kWss))
    return StatusError::kBadChannelUrl;
  const cJSON* lines = json_array(root, "lines");
  if (!lines) return StatusError::kNoLines;
  const cJSON* line = nullptr;
  cJSON_ArrayForEach(line, lines) {
    auto reg = json_bool(line, "regStatus");
    auto msisdn = json_string(line, "msisdn");
    if (reg && *reg && msisdn && !msisdn->empty() && msisdn->size() <= limits::kYnaMsisdnMax) {
      out.channel_url.assign(*url);
      out.msisdn.assign(*msisdn);
      return StatusError::kOk;
    }
  }
  return StatusError::kNoRegisteredLine;
}

Registration::Outcome Registration::on_response(TimeMs now, int status, std::optional<std::int64_t> retry_after_s,
                                                std::string_view body) {
  if (status == 202) {
    TimeMs delay = kDefaultRetryAfterMs;
    if (retry_after_s && *retry_after_s >= 0 && *retry_after_s <= 3600) delay = *retry_after_s * 1000;
    retry_after(now, delay);
    return Outcome::kWaiting;
  }
  if (status == 200) {
    RegistrationInfo info;
    error_ = parse_registration_status(body, info);
    if (error_ == StatusError::kOk) {
      info_ = info;
      state_ = State::kDone;
      return Outcome::kRegistered;
    }
    DT_LOGW("yna", "account/status: %s", to_string(error_));
  }
  state_ = State::kIdle;
  return Outcome::kFailed;
}

}  // namespace dialtone::protocol::yna
