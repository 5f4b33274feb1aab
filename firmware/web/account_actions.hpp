// What the local web page asks of the account services (services.md): a new
// E911 address, a page of call history. What it shows comes from the status
// model (KazooStatus, JambonzStatus); answers arrive there asynchronously, so
// the page shows "saving" / "loading" and reloads itself meanwhile.
#pragma once
#include "protocol/kazoo/kazoo_api.hpp"

namespace dialtone::web {

class AccountActions {
 public:
  virtual ~AccountActions() = default;
  // False when the change cannot start now (too much already waiting).
  virtual bool set_e911(const protocol::kazoo::E911Address& address) = 0;
  // Fetches call history page `page` (1-based) for the page when it is not
  // the one already shown; false when it cannot start now.
  virtual bool want_calls_page(int page) = 0;
};

}  // namespace dialtone::web
