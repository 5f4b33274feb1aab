// Kazoo's phone numbers API (docs/kazoo-phone-numbers-api.md, services.md
// section 3) as pure builders and parsers: bytes in, a value or a named
// error out; no I/O. The service in firmware/services sends what these build.
//
// The E911 update is a read-modify-write: Kazoo's POST replaces the number's
// document, so the body is the whole document the GET returned, with only
// `dash_e911` set to the new address (`used_by`, `id` and every other field
// kept as they were).
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::kazoo {

using E911Field = FixedString<limits::kE911FieldMax>;

// The form of an emergency address, in the doc's field names. Header-only:
// the status model and the web page hold addresses without this library.
struct E911Address {
  E911Field postal_code, street_address, extended_address, locality, region;

  static constexpr std::size_t kFields = 5;
  static constexpr const char* kNames[kFields] = {"postal_code", "street_address", "extended_address", "locality",
                                                  "region"};
  E911Field& field(std::size_t i) {
    E911Field* f[kFields] = {&postal_code, &street_address, &extended_address, &locality, &region};
    return *f[i < kFields ? i : 0];
  }
  const E911Field& field(std::size_t i) const { return const_cast<E911Address*>(this)->field(i); }
  bool empty() const {
    for (std::size_t i = 0; i < kFields; ++i)
      if (!field(i).empty()) return false;
    return true;
  }
  bool operator==(const E911Address& o) const {
    for (std::size_t i = 0; i < kFields; ++i)
      if (field(i).view() != o.field(i).view()) return false;
    return true;
  }
};

// PUT /api_auth body: {"data":{"api_key":"..."}}. Returns its length, 0 when
// it does not fit.
std::size_t build_auth_body(std::string_view api_key, std::span<char> out);
// The api_auth answer's auth_token; false when absent or too long.
bool parse_auth_token(std::string_view body, FixedString<limits::kKazooTokenMax>& token);

// "/accounts/{id}/phone_numbers" and "/accounts/{id}/phone_numbers/%2B1..."
// (the number URL-encoded, as the doc asks). False when the result does not
// fit or an id is empty.
bool numbers_path(std::string_view account_id, FixedString<limits::kUrlMax>& out);
bool number_path(std::string_view account_id, std::string_view number, FixedString<limits::kUrlMax>& out);

// GET /accounts/{id}/phone_numbers: data.numbers {"+1...": {state, used_by, ...}}.
struct NumberEntry {
  FixedString<32> number;
  FixedString<32> state;
};
struct NumberList {
  FixedVector<NumberEntry, limits::kKazooNumbersMax> numbers;  // more are dropped
  std::size_t total = 0;                                      // how many the answer listed
  const NumberEntry* find(std::string_view number) const;
};
bool parse_phone_numbers(std::string_view body, NumberList& out);

// The number's document (GET .../phone_numbers/{NUMBER}): its dash_e911.
struct E911State {
  bool provisioned = false;  // dash_e911.status is PROVISIONED
  E911Address address;       // empty when the number has no dash_e911
};
bool parse_number_e911(std::string_view body, E911State& out);

enum class BuildError { kOk, kNotJson, kNoData, kTooLarge };
const char* to_string(BuildError e);
// The POST body: the GET answer's `data`, dash_e911 set to `address` (an
// empty extended_address is left out), wrapped as {"data":{...}}. Builds in
// the JSON arena; `len` is the body's length in `out` on kOk.
BuildError build_e911_update(std::string_view number_doc, const E911Address& address, std::span<char> out,
                             std::size_t& len);

// What the POST's answer means.
struct E911Outcome {
  enum class Kind { kProvisioned, kInvalid, kMultipleChoice, kError };
  Kind kind = Kind::kError;
  E911Address address;                                             // kProvisioned: as validated
  FixedString<limits::kServiceTextMax> message;                     // kInvalid, kError (and the others' own)
  FixedVector<E911Address, limits::kE911ChoicesMax> choices;        // kMultipleChoice
};
void parse_e911_result(int http_status, std::string_view body, E911Outcome& out);

// Getting a number: search GET /phone_numbers?prefix=415&quantity=5&offset=0
// (not under the account), then PUT .../phone_numbers/{NUMBER}/activate.
// The prefix is digits only (an area code); quantity 1..kKazooSearchMax.
bool search_path(std::string_view prefix, int quantity, int offset, FixedString<limits::kUrlMax>& out);
struct FoundNumber {
  FixedString<32> number;            // "+14152338397"
  FixedString<32> formatted_number;  // "1-415-233-8397"
  FixedString<48> rate_center;       // "SAN RAFAEL, CA"
};
struct NumberSearch {
  FixedVector<FoundNumber, limits::kKazooSearchMax> numbers;  // more are dropped
};
// data: [{number|e164, formatted_number, rate_center{name, state}, ...}];
// false when `data` is not an array. Entries without a number are skipped.
bool parse_number_search(std::string_view body, NumberSearch& out);

bool activate_path(std::string_view account_id, std::string_view number, FixedString<limits::kUrlMax>& out);
struct ActivateOutcome {
  bool ok = false;
  FixedString<32> state;                         // ok: the number's state ("in_service")
  FixedString<limits::kServiceTextMax> message;  // !ok: what Kazoo said, in words
};
// A 2xx with data is activation; anything else is the reason it failed,
// preferring data.message ("number +1... is not available") to the envelope's.
void parse_activate_result(int http_status, std::string_view body, ActivateOutcome& out);

// The account's classifiers (GET .../phone_numbers/classifiers): the handset's
// dial plan. Each regex is JSON-decoded as sent (services.md section 3).
bool classifiers_path(std::string_view account_id, FixedString<limits::kUrlMax>& out);
struct Classifier {
  FixedString<32> name;           // "did_us", "emergency", ...
  FixedString<48> friendly_name;  // "US DID"
  FixedString<limits::kClassifierRegexMax> regex;
};
struct Classifiers {
  FixedVector<Classifier, limits::kKazooClassifiersMax> list;  // in the answer's order
  std::size_t skipped = 0;  // entries without a regex string, or too long to keep
};
// false when data is not an object.
bool parse_classifiers(std::string_view body, Classifiers& out);

// Kazoo's error envelope {"error":"500","message":"unauthorized",...} in
// words, for an answer that is not one of the above ("HTTP 500: unauthorized").
void describe_error(int http_status, std::string_view body, FixedString<limits::kServiceTextMax>& out);

}  // namespace dialtone::protocol::kazoo
