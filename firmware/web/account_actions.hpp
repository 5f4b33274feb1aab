// What the local web page asks of the account services (services.md): a new
// E911 address, a page of call history, a number search and activation, a
// click-to-call. What it shows comes from the status model (KazooStatus,
// JambonzStatus); answers arrive there asynchronously, so the page shows
// "saving" / "loading" and reloads itself meanwhile.
#pragma once
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

namespace dialtone::web {

using ActionError = FixedString<limits::kServiceTextMax>;

class AccountActions {
 public:
  virtual ~AccountActions() = default;
  // False when the change cannot start now (too much already waiting).
  virtual bool set_e911(const protocol::kazoo::E911Address& address) = 0;
  // Fetches call history page `page` (1-based) for the page when it is not
  // the one already shown; false when it cannot start now.
  virtual bool want_calls_page(int page) = 0;
  // Numbers on offer with this prefix; false (with why) when refused now.
  virtual bool search_numbers(std::string_view prefix, ActionError& why) = 0;
  // Adds an offered number to the account; false (with why) when refused now.
  virtual bool activate_number(std::string_view number, ActionError& why) = 0;
  // Whether click-to-call can work here: jambonz with a click-to-call
  // application, and a SIP line for jambonz to ring.
  virtual bool click_to_call_ready() const = 0;
  // Rings this phone, then `typed` (any way a person writes a number);
  // false (with why) when the number or the moment is wrong.
  virtual bool click_to_call(std::string_view typed, ActionError& why) = 0;
};

}  // namespace dialtone::web
