// Between the registration engine and SIP messages: the REGISTER it asks
// for, written as a SipMessage, and what it needs from an answer, read out
// of one. The engine itself never sees a message.
#pragma once
#include "protocol/sip/registration.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {

// REGISTER per RFC 3261 section 10.2: Request-URI the registrar, To and From
// the AOR (From with our tag and display name), Via with rport, Route to the
// outbound proxy, Contact (and the stale one with expires=0), Expires and
// the credentials.
SipError build_register(const RegisterRequest& req, SipMessage& out);

// Fills `out` from a response. kMissingHeader when it is not a response or
// lacks a Call-ID or CSeq (the engine could not tell whose answer it is).
// Contacts and challenges beyond the limits are left out; a Contact too long
// to copy is skipped (the engine then falls back to Expires).
SipError read_register_response(const SipMessage& msg, RegisterResponse& out);

}  // namespace dialtone::protocol::sip
