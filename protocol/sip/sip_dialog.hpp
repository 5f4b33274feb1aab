// The state of one SIP dialog (RFC 3261 section 12): identifiers, the far
// end's target and the route set, learnt from the message that made the
// dialog and kept in fixed strings so they outlive it.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {

// One end of the dialog, as From / To write it.
struct SipAddress {
  FixedString<limits::kSipDisplayNameMax> display;
  SipUri uri;
  SipToken tag;
  AddressSpec spec() const { return AddressSpec{.display = display.view(), .uri = uri.view(), .tag = tag.view()}; }
  bool assign(const NameAddr& a) { return display.assign(a.display.view()) && uri.assign(a.uri.view()) && tag.assign(a.tag.view()); }
};

using SipRouteSet = FixedVector<SipHeaderText, limits::kSipRouteSetMax>;

struct SipDialog {
  SipCallId call_id;
  SipAddress local;   // From of the requests we send
  SipAddress remote;  // To of the requests we send (tag empty until the far end gave one)
  SipUri remote_target;  // the far end's Contact
  SipRouteSet route_set;  // Route values, in the order they are sent
  std::uint32_t local_cseq = 0;
  std::uint32_t remote_cseq = 0;
  bool remote_cseq_known = false;
  // This device sent the INVITE, so the Call-ID is its own (RFC 3261 14.1:
  // the owner waits 2.1-4 s before retrying after a 491, the other 0-2 s).
  bool caller = false;
  bool confirmed = false;

  // What build_in_dialog() takes; `routes` holds the views of the route set.
  DialogSpec spec(FixedVector<std::string_view, limits::kSipRouteSetMax>& routes) const;
  // Where a request in the dialog goes first: the first route's URI, else
  // the remote target (RFC 3261 12.2.1.1; a strict router is both).
  std::string_view next_hop() const;
};

enum class DialogError : std::uint8_t {
  kOk,
  kTooLong,        // a value longer than its fixed string
  kNoContact,      // a 2xx or INVITE without a Contact
  kRouteOverflow,  // more Record-Route entries than kSipRouteSetMax
};
const char* to_string(DialogError e);

// The UAC side (RFC 3261 12.1.2), from a 2xx (or a provisional with a tag)
// to our INVITE: the far end's To and tag, target from Contact, route set
// from Record-Route in reverse.
DialogError dialog_from_response(const SipMessage& r, SipDialog& d);
// The UAS side (12.1.1), from the INVITE: route set in order; our To gets `local_tag`.
DialogError dialog_from_request(const SipMessage& q, std::string_view local_tag, SipDialog& d);
// A target refresh (re-INVITE, UPDATE, or their 2xx): a Contact replaces the
// remote target (12.2.1.2, 12.2.2). The route set never changes.
DialogError refresh_target(const SipMessage& m, SipDialog& d);

// The URI inside a Route / Record-Route value: "<sip:p1;lr>;x" -> "sip:p1;lr".
std::string_view route_uri_of(std::string_view route);

}  // namespace dialtone::protocol::sip
