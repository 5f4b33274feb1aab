// What the local web page asks of a YNA line (yna-wire.md section 3):
// linking, the E911 hand-off and unlinking. Everything the page shows comes
// from the device status model instead. Kept narrow so the page is testable
// with a fake.
#pragma once
#include <string_view>

namespace dialtone::web {

class LinkActions {
 public:
  virtual ~LinkActions() = default;
  // The browser is being sent to linkAccount (line state: linking).
  virtual void link_started() = 0;
  // The callback came back with the right state but no code (e.g. access_denied).
  virtual void link_cancelled(std::string_view why) = 0;
  // The callback came back with the right state and a code: exchange it.
  virtual void link_complete(std::string_view code) = 0;
  // The current access token (for the E911 redirect); empty when not linked.
  virtual std::string_view access_token() const = 0;
  // Ends every call, then unlinks (the same path as the control socket's unlink).
  virtual void unlink() = 0;
};

}  // namespace dialtone::web
