// ICE hands us candidates as "a=candidate:..." text (what libnice writes);
// the SDP writer wants them as fields. This reads one line into the other.
#pragma once
#include <string_view>

#include "media/sdp/sdp_types.hpp"

namespace dialtone::media {

// "a=candidate:<foundation> <component> udp <priority> <address> <port> typ
// <type> [raddr <a> rport <p>] ..." (the "a=" is optional). False for TCP,
// component != 1, or text we cannot read.
bool candidate_from_line(std::string_view line, sdp::Candidate& out);

}  // namespace dialtone::media
