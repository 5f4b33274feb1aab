// What the local web page needs from the line (firmware/line/yna_line
// implements it). Kept narrow so the page is testable with a fake.
#pragma once
#include <span>
#include <string_view>

#include "firmware/line/line.hpp"

namespace dialtone::web {

class WebBackend {
 public:
  virtual ~WebBackend() = default;
  virtual line::LineState line_state() const = 0;
  virtual std::string_view msisdn() const = 0;
  // The browser is being sent to linkAccount (line state: linking).
  virtual void link_started() = 0;
  // The callback came back with the right state but no code (e.g. access_denied).
  virtual void link_cancelled(std::string_view why) = 0;
  // The callback came back with the right state and a code: exchange it.
  virtual void link_complete(std::string_view code) = 0;
  // The current access token (for the E911 redirect); empty when not linked.
  virtual std::string_view access_token() const = 0;
  virtual void unlink() = 0;
  // Up to out.size() recent error messages, newest first.
  virtual std::size_t last_errors(std::span<std::string_view> out) const = 0;
  // One short line per call ("in +14255550123 connected"); none by default.
  virtual std::size_t call_lines(std::span<std::string_view>) const { return 0; }
};

}  // namespace dialtone::web
