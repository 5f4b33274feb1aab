// What the device knows of its Kazoo number (services.md section 3): the
// number, its E911 address as last fetched, and how the owner's last address
// change went. KazooService writes it; `status`, the `e911` command and the
// web page read it.
#pragma once
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

namespace dialtone::status {

using E911Address = protocol::kazoo::E911Address;
using E911Field = protocol::kazoo::E911Field;

// Said wherever the address is missing: the page, `status`, the `e911` reply.
inline constexpr std::string_view kNoE911Warning =
    "no emergency address is provisioned: 911 calls from this line may not reach the right dispatcher";

struct KazooStatus {
  enum class E911 { kUnknown, kNone, kProvisioned };  // kUnknown: no fetch has answered yet
  enum class Outcome { kNone, kProvisioned, kInvalid, kMultipleChoice, kError };

  FixedString<32> number;        // kazoo.number
  FixedString<32> number_state;  // from the account's listing (in_service, ...); empty until known
  E911 e911 = E911::kUnknown;
  E911Address address;           // as provisioned
  FixedString<limits::kServiceTextMax> error;  // the last fetch's failure; empty when it worked

  // The owner's last change of address (page or socket).
  bool updating = false;
  Outcome outcome = Outcome::kNone;
  E911Address entered;  // what was sent; the form shows it again after a refusal
  FixedString<limits::kServiceTextMax> outcome_message;
  FixedVector<E911Address, limits::kE911ChoicesMax> choices;

  // The account's numbers, from its listing (the configured one among them).
  FixedVector<protocol::kazoo::NumberEntry, limits::kKazooNumbersMax> account_numbers;

  // Getting a number: the last search and the last activation.
  bool searching = false;
  FixedString<8> search_prefix;
  FixedVector<protocol::kazoo::FoundNumber, limits::kKazooSearchMax> found;
  FixedString<limits::kServiceTextMax> search_error;
  bool activating = false;
  FixedString<32> activate_number;
  bool activated = false;                                     // the last activation worked
  FixedString<limits::kServiceTextMax> activate_message;      // its state, or why it failed

  bool provisioned() const { return e911 == E911::kProvisioned; }
  std::string_view e911_name() const { return provisioned() ? "PROVISIONED" : "none"; }
};

}  // namespace dialtone::status
