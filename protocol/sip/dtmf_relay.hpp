// The body of a SIP INFO with Content-Type application/dtmf-relay: the de
// facto format SIP phones, PBXs and SBCs send for a key press outside the
// media (no RFC defines it; RFC 6086 only frames INFO itself):
//
//   Signal=5
//   Duration=160
//
// Pure: text in, a digit or a named error out. Lines end in CRLF or LF;
// names are case-insensitive; spaces around '=' are allowed. Some senders
// write '*' and '#' as 10 and 11 (the RFC 4733 event codes); both forms are
// read. Duration is optional and in milliseconds.
#pragma once
#include <cstdint>
#include <string_view>

namespace dialtone::protocol::sip {

enum class DtmfRelayError : std::uint8_t {
  kOk,
  kNoSignal,   // no Signal= line
  kBadSignal,  // a Signal that is not one of 0-9 * # A-D (or 10, 11)
  kBadDuration,
};
const char* to_string(DtmfRelayError e);

struct DtmfRelay {
  char digit = 0;               // '0'-'9', '*', '#', 'A'-'D'
  std::uint32_t duration_ms = 0;  // 0 when absent
};

DtmfRelayError parse_dtmf_relay(std::string_view body, DtmfRelay& out);

}  // namespace dialtone::protocol::sip
