// Internal to protocol/sip: an osip_message_t written as a SIP message into
// a caller's buffer, by our code and without allocating (see sip_text.hpp
// for why not osip_message_to_str). Headers in oSIP's order (Via,
// Record-Route, Route, From, To, Call-ID, CSeq, Contact, the credentials and
// challenges, ...), then the headers oSIP keeps as text in the order they
// were added, then Content-Length computed from the body, then the body.
#pragma once
#include <cstddef>
#include <span>

#include "protocol/sip/sip_message.hpp"

struct osip_message;

namespace dialtone::protocol::sip {

// `len` is the length of the text; with kBufferTooSmall, the length it
// would need (nothing usable is in `out` then). kMalformed when the
// structure lacks what it needs to be written (a start line, a Via host);
// kBadArgument for a multipart body (the line never sends one, and oSIP's
// multipart writer is one of those that allocate).
SipError write_message(const osip_message* m, std::span<char> out, std::size_t& len);

}  // namespace dialtone::protocol::sip
