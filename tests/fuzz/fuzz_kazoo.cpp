// Kazoo's answers (services.md section 3): api_auth, the numbers listing,
// the number's document, the E911 POST's answer, the update built from a
// document (JSON again whenever it is built), a number search, an
// activation's answer and the classifiers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/json.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

using namespace dialtone;
using namespace dialtone::protocol::kazoo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static NumberList list;
  static E911State state;
  static E911Outcome outcome;
  static FixedString<limits::kKazooTokenMax> token;
  static char body[limits::kServiceBodyMax];
  static E911Address address;
  static NumberSearch search;
  static ActivateOutcome activated;
  static Classifiers classifiers;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  parse_auth_token(text, token);
  parse_phone_numbers(text, list);
  if (list.numbers.size() > list.total) __builtin_trap();
  parse_number_e911(text, state);
  parse_e911_result(200, text, outcome);
  parse_e911_result(400, text, outcome);
  if (outcome.kind == E911Outcome::Kind::kMultipleChoice && outcome.choices.empty()) __builtin_trap();
  if (parse_number_search(text, search))
    for (const FoundNumber& f : search.numbers)
      if (f.number.empty()) __builtin_trap();  // entries without a number are skipped
  parse_activate_result(201, text, activated);
  parse_activate_result(409, text, activated);
  if (activated.ok) __builtin_trap();  // a refusal is never an activation
  if (parse_classifiers(text, classifiers))
    for (const Classifier& c : classifiers.list)
      if (c.name.empty()) __builtin_trap();
  address.street_address.assign("1 Main St");
  address.region.assign("CA");
  std::size_t len = 0;
  if (build_e911_update(text, address, body, len) == BuildError::kOk) {
    JsonDocument doc(std::string_view(body, len));
    if (!json_object(json_object(doc.root(), "data"), "dash_e911")) __builtin_trap();
  }
  return 0;
}
