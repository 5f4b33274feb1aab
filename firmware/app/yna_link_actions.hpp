// The web page's YNA actions carried out on the line; unlinking ends every
// call first, exactly as the control socket's unlink does.
#pragma once
#include <string_view>

#include "firmware/call/call_layer.hpp"
#include "firmware/line/yna_line.hpp"
#include "firmware/web/link_actions.hpp"

namespace dialtone::app {

class YnaLinkActions final : public web::LinkActions {
 public:
  YnaLinkActions(line::YnaLine& line, call::CallLayer& calls) : line_(line), calls_(calls) {}

  void link_started() override { line_.link_started(); }
  void link_cancelled(std::string_view why) override { line_.link_cancelled(why); }
  void link_complete(std::string_view code) override { line_.link_complete(code); }
  std::string_view access_token() const override { return line_.access_token(); }
  void unlink() override { unlink_line(); }

  // False when there is nothing to unlink.
  bool unlink_line() {
    if (line_.state() == status::LineState::kUnlinked) return false;
    calls_.end_all();
    line_.unlink();
    return true;
  }

 private:
  line::YnaLine& line_;
  call::CallLayer& calls_;
};

}  // namespace dialtone::app
