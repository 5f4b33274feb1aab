// The YNA line's state for the control socket's `line` event, derived from
// facts the line tracks (pure, unit-tested).
//   unlinked     no tokens
//   linking      no tokens yet, but a link is under way (browser sent to
//                linkAccount, or the code is being exchanged)
//   registering  tokens; /account/status or the first channel not done yet
//   registered   the network gave us a number and the channel is open (or
//                making its first reconnect attempt)
//   offline      linked, but the network cannot be reached: a REST request
//                found no server (TLS/connection failure), or the channel is
//                still down after its first reconnect attempt
#pragma once
#include <string_view>

#include "firmware/status/line_state.hpp"

namespace dialtone::line {

using status::LineState;

struct YnaLineFacts {
  bool has_tokens = false;
  bool linking = false;
  bool registered = false;      // /account/status gave a number (since the last link/start)
  bool channel_usable = false;  // ChannelEngine::usable()
  bool network_down = false;    // the last REST request got no answer at all
  bool channel_offline = false; // ChannelEngine::offline()
};

inline LineState derive_yna_line_state(const YnaLineFacts& f) {
  if (!f.has_tokens) return f.linking ? LineState::kLinking : LineState::kUnlinked;
  if (f.network_down || f.channel_offline) return LineState::kOffline;
  if (f.registered && f.channel_usable) return LineState::kRegistered;
  return LineState::kRegistering;
}

// Why the line is offline, for the person at the phone: the words of the
// failure that made it so (the REST request's or the channel attempt's, e.g.
// "cannot reach yna.test: DNS lookup timed out after 10 s"). Empty, meaning
// the generic sentence, in any other state or when nothing better is known.
inline std::string_view yna_line_reason(const YnaLineFacts& f, std::string_view rest_failure,
                                        std::string_view channel_failure) {
  if (derive_yna_line_state(f) != LineState::kOffline) return {};
  if (f.network_down && !rest_failure.empty()) return rest_failure;
  if (f.channel_offline && !channel_failure.empty()) return channel_failure;
  return rest_failure;
}

}  // namespace dialtone::line
