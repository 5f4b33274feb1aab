#include "protocol/kazoo/kazoo_api.hpp"

#include <cstdio>
#include <cstring>

#include "firmware/core/json.hpp"
#include "protocol/common/url.hpp"

namespace dialtone::protocol::kazoo {

const NumberEntry* NumberList::find(std::string_view number) const {
  for (const NumberEntry& n : numbers)
    if (n.number.view() == number) return &n;
  return nullptr;
}

namespace {

// Fields that are strings are taken (cut at the field's size); anything else
// leaves the field empty: an address is shown, never trusted for structure.
void read_address(const cJSON* obj, E911Address& out) {
  out = E911Address{};
  for (std::size_t i = 0; i < E911Address::kFields; ++i)
    if (auto v = json_string(obj, E911Address::kNames[i])) out.field(i).assign(*v);
}

}  // namespace

std::size_t build_auth_body(std::string_view api_key, std::span<char> out) {
  JsonWriter w(out);
  w.begin_object().begin_object("data").string("api_key", api_key).end_object().end_object();
  return w.ok() ? w.size() : 0;
}

bool parse_auth_token(std::string_view body, FixedString<limits::kKazooTokenMax>& token) {
  token.clear();
  JsonDocument doc(body);
  auto t = json_string(doc.root(), "auth_token");
  if (!t || t->empty()) return false;
  return token.assign(*t);
}

bool numbers_path(std::string_view account_id, FixedString<limits::kUrlMax>& out) {
  out.clear();
  return !account_id.empty() && out.append("/accounts/") && percent_encode_append(account_id, out) &&
         out.append("/phone_numbers");
}

bool number_path(std::string_view account_id, std::string_view number, FixedString<limits::kUrlMax>& out) {
  return !number.empty() && numbers_path(account_id, out) && out.push_back('/') && percent_encode_append(number, out);
}

bool parse_phone_numbers(std::string_view body, NumberList& out) {
  out = NumberList{};
  JsonDocument doc(body);
  const cJSON* numbers = json_object(json_object(doc.root(), "data"), "numbers");
  if (!numbers) return false;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, numbers) {
    ++out.total;
    if (!item->string || !cJSON_IsObject(item)) continue;
    NumberEntry e;
    if (!e.number.assign(item->string)) continue;  // not a number we could be configured with
    if (auto st = json_string(item, "state")) e.state.assign(*st);
    out.numbers.push_back(e);
  }
  return true;
}

bool parse_number_e911(std::string_view body, E911State& out) {
  out = E911State{};
  JsonDocument doc(body);
  const cJSON* data = json_object(doc.root(), "data");
  if (!data) return false;
  if (const cJSON* e911 = json_object(data, "dash_e911")) {
    read_address(e911, out.address);
    auto st = json_string(e911, "status");
    out.provisioned = st && *st == "PROVISIONED";
  }
  return true;
}

const char* to_string(BuildError e) {
  switch (e) {
    case BuildError::kOk: return "ok";
    case BuildError::kNotJson: return "the number's document is not JSON";
    case BuildError::kNoData: return "the number's document has no data";
    case BuildError::kTooLarge: return "the number's document is too large to send back";
  }
  return "?";
}

BuildError build_e911_update(std::string_view number_doc, const E911Address& address, std::span<char> out,
                             std::size_t& len) {
  len = 0;
  JsonDocument doc(number_doc);
  cJSON* root = doc.mutable_root();
  if (!root || !cJSON_IsObject(root)) return BuildError::kNotJson;
  cJSON* data = cJSON_GetObjectItemCaseSensitive(root, "data");
  if (!data || !cJSON_IsObject(data)) return BuildError::kNoData;
  // The envelope's other members (auth_token, request_id, revision, status)
  // describe the GET's answer, not the number: only `data` goes back.
  cJSON* body = cJSON_CreateObject();
  cJSON* e911 = cJSON_CreateObject();
  if (!body || !e911) return BuildError::kTooLarge;  // the arena ran out
  for (std::size_t i = 0; i < E911Address::kFields; ++i) {
    const E911Field& f = address.field(i);
    if (f.empty() && std::string_view(E911Address::kNames[i]) == "extended_address") continue;
    if (!cJSON_AddStringToObject(e911, E911Address::kNames[i], f.c_str())) return BuildError::kTooLarge;
  }
  // Every earlier dash_e911 goes, not just the first: with a duplicate key
  // left behind, a reader taking the first would see the old address.
  while (cJSON_GetObjectItemCaseSensitive(data, "dash_e911"))
    cJSON_DeleteItemFromObjectCaseSensitive(data, "dash_e911");
  cJSON_AddItemToObject(data, "dash_e911", e911);
  cJSON_DetachItemViaPointer(root, data);
  cJSON_AddItemToObject(body, "data", data);
  // cJSON_PrintPreallocated needs a few bytes of slack past the text.
  constexpr std::size_t kSlack = 5;
  if (out.size() <= kSlack) return BuildError::kTooLarge;
  if (!cJSON_PrintPreallocated(body, out.data(), static_cast<int>(out.size() - kSlack), 0))
    return BuildError::kTooLarge;
  len = std::strlen(out.data());
  return BuildError::kOk;
}

void describe_error(int http_status, std::string_view body, FixedString<limits::kServiceTextMax>& out) {
  char text[limits::kServiceTextMax + 1];
  JsonDocument doc(body);
  auto msg = json_string(doc.root(), "message");
  if (!doc.ok()) std::snprintf(text, sizeof text, "HTTP %d with a malformed body", http_status);
  else if (msg && !msg->empty())
    std::snprintf(text, sizeof text, "HTTP %d: %.*s", http_status, static_cast<int>(msg->size()), msg->data());
  else std::snprintf(text, sizeof text, "HTTP %d", http_status);
  out.assign(text);
}

void parse_e911_result(int http_status, std::string_view body, E911Outcome& out) {
  out = E911Outcome{};
  {
    JsonDocument doc(body);
    const cJSON* data = json_object(doc.root(), "data");
    if (http_status >= 200 && http_status < 300) {
      const cJSON* e911 = json_object(data, "dash_e911");
      auto st = json_string(e911, "status");
      if (st && *st == "PROVISIONED") {
        out.kind = E911Outcome::Kind::kProvisioned;
        read_address(e911, out.address);
        return;
      }
      if (doc.ok() && data) {
        out.message.assign("Kazoo accepted the address but did not provision it (status: ");
        out.message.append(st ? *st : std::string_view("none"));
        out.message.append(")");
        return;
      }
    } else if (const cJSON* invalid = json_object(json_object(data, "address"), "invalid")) {
      out.kind = E911Outcome::Kind::kInvalid;
      auto msg = json_string(invalid, "message");
      out.message.assign(msg && !msg->empty() ? *msg : std::string_view("invalid address"));
      return;
    } else if (const cJSON* mc = json_object(json_object(data, "multiple_choice"), "dash_e911")) {
      out.kind = E911Outcome::Kind::kMultipleChoice;
      auto msg = json_string(mc, "message");
      out.message.assign(msg ? *msg : std::string_view("more than one address found"));
      const cJSON* item = nullptr;
      cJSON_ArrayForEach(item, json_array(mc, "details")) {
        if (!cJSON_IsObject(item)) continue;
        E911Address a;
        read_address(item, a);
        if (!a.empty()) out.choices.push_back(a);  // beyond the capacity: dropped
      }
      if (out.choices.empty()) {
        out.kind = E911Outcome::Kind::kError;
        out.message.assign("Kazoo found several addresses but listed none");
      }
      return;
    }
  }
  describe_error(http_status, body, out.message);
}

bool search_path(std::string_view prefix, int quantity, int offset, FixedString<limits::kUrlMax>& out) {
  out.clear();
  if (prefix.empty() || prefix.size() > 8 || quantity < 1 || quantity > static_cast<int>(limits::kKazooSearchMax) ||
      offset < 0)
    return false;
  for (char c : prefix)
    if (c < '0' || c > '9') return false;
  char q[48];
  int n = std::snprintf(q, sizeof q, "&quantity=%d&offset=%d", quantity, offset);
  return out.append("/phone_numbers?prefix=") && out.append(prefix) && out.append({q, static_cast<std::size_t>(n)});
}

bool parse_number_search(std::string_view body, NumberSearch& out) {
  out = NumberSearch{};
  JsonDocument doc(body);
  const cJSON* data = json_array(doc.root(), "data");
  if (!data) return false;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, data) {
    if (out.numbers.full()) break;
    if (!cJSON_IsObject(item)) continue;
    FoundNumber f;
    auto number = json_string(item, "number");
    if (!number || number->empty()) number = json_string(item, "e164");
    if (!number || number->empty() || !f.number.assign(*number)) continue;
    if (auto fmt = json_string(item, "formatted_number")) f.formatted_number.assign(*fmt);
    const cJSON* rc = json_object(item, "rate_center");
    auto name = json_string(rc, "name");
    auto state = json_string(rc, "state");
    if (name) f.rate_center.assign(*name);
    if (state && !state->empty()) {
      if (!f.rate_center.empty()) f.rate_center.append(", ");
      f.rate_center.append(*state);
    }
    out.numbers.push_back(f);
  }
  return true;
}

bool activate_path(std::string_view account_id, std::string_view number, FixedString<limits::kUrlMax>& out) {
  return number_path(account_id, number, out) && out.append("/activate");
}

void parse_activate_result(int http_status, std::string_view body, ActivateOutcome& out) {
  out = ActivateOutcome{};
  {
    JsonDocument doc(body);
    const cJSON* data = json_object(doc.root(), "data");
    if (http_status >= 200 && http_status < 300 && data) {
      out.ok = true;
      auto st = json_string(data, "state");
      out.state.assign(st ? *st : std::string_view("active"));
      return;
    }
    auto msg = json_string(data, "message");
    if (http_status >= 300 && msg && !msg->empty()) {
      char text[limits::kServiceTextMax + 1];
      std::snprintf(text, sizeof text, "HTTP %d: %.*s", http_status, static_cast<int>(msg->size()), msg->data());
      out.message.assign(text);
      return;
    }
  }
  describe_error(http_status, body, out.message);
}

bool classifiers_path(std::string_view account_id, FixedString<limits::kUrlMax>& out) {
  return numbers_path(account_id, out) && out.append("/classifiers");
}

bool parse_classifiers(std::string_view body, Classifiers& out) {
  out = Classifiers{};
  JsonDocument doc(body);
  const cJSON* data = json_object(doc.root(), "data");
  if (!data) return false;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, data) {
    Classifier c;
    auto regex = json_string(item, "regex");
    // A regex cut short would match other numbers than Kazoo's: drop it whole.
    if (!item->string || !regex || !c.name.assign(item->string) || !c.regex.assign(*regex) || out.list.full()) {
      ++out.skipped;
      continue;
    }
    if (auto fn = json_string(item, "friendly_name")) c.friendly_name.assign(*fn);
    out.list.push_back(c);
  }
  return true;
}

}  // namespace dialtone::protocol::kazoo
