#include "tests/unit/protocol/sip_call_harness.hpp"

#include <cctype>

namespace dialtone::protocol::sip::test {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  std::size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string param(const std::string& value, const std::string& name) {
  std::size_t pos = lower(value).find(";" + name + "=");
  if (pos == std::string::npos) return {};
  pos += name.size() + 2;
  std::size_t end = value.find_first_of(";>, \r", pos);
  return value.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

}  // namespace

std::string tag_of(const std::string& value) {
  // The tag is a header parameter: after the closing '>' when there is one.
  std::size_t gt = value.find('>');
  return param(gt == std::string::npos ? value : value.substr(gt), "tag");
}

std::vector<std::string> Sent::all(const std::string& name) const {
  std::vector<std::string> out;
  std::size_t pos = text.find("\r\n") + 2;
  const std::string want = lower(name);
  while (pos < text.size()) {
    std::size_t eol = text.find("\r\n", pos);
    if (eol == std::string::npos || eol == pos) break;
    std::string line = text.substr(pos, eol - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos && lower(trim(line.substr(0, colon))) == want)
      out.push_back(trim(line.substr(colon + 1)));
    pos = eol + 2;
  }
  return out;
}

std::string Sent::header(const std::string& name) const {
  auto v = all(name);
  return v.empty() ? std::string() : v[0];
}

std::string Sent::method() const { return response ? "" : start_line().substr(0, start_line().find(' ')); }

int Sent::status() const { return response ? std::stoi(start_line().substr(8, 3)) : 0; }

std::string Sent::request_uri() const {
  std::string l = start_line();
  std::size_t a = l.find(' ');
  std::size_t b = l.rfind(' ');
  return l.substr(a + 1, b - a - 1);
}

std::string Sent::body() const {
  std::size_t pos = text.find("\r\n\r\n");
  return pos == std::string::npos ? std::string() : text.substr(pos + 4);
}

std::string Sent::branch() const { return param(header("Via"), "branch"); }
std::string Sent::to_tag() const { return tag_of(header("To")); }
std::string Sent::from_tag() const { return tag_of(header("From")); }

void SipCallHarness::SetUp() { ASSERT_TRUE(rng_.init("sip-call-test", counting_source, &seed_)); }

SipParty SipCallHarness::me() const {
  return SipParty{.aor = "sip:desk-101@acme.example.com",
                  .display_name = "Front desk",
                  .contact = "sip:desk-101@192.0.2.10:5060",
                  .transport = "UDP",
                  .via_host = "192.0.2.10",
                  .via_port = 5060,
                  .user_agent = "Dialtone",
                  .reliable = false};
}

std::uint32_t SipCallHarness::peer_for(std::string_view next_hop) {
  for (std::size_t i = 0; i < hops_.size(); ++i)
    if (hops_[i] == next_hop) return static_cast<std::uint32_t>(i);
  hops_.emplace_back(next_hop);
  return static_cast<std::uint32_t>(hops_.size() - 1);
}

void SipCallHarness::send(std::uint32_t peer, std::string_view bytes) {
  Sent s{.text = std::string(bytes), .hop = peer < hops_.size() ? hops_[peer] : "?", .response = false, .at = now_};
  s.response = s.text.rfind("SIP/2.0 ", 0) == 0;
  SipMessage check;
  EXPECT_EQ(check.parse(s.text), SipError::kOk) << "what went on the wire does not parse:\n" << s.text;
  if (s.response) {
    EXPECT_EQ(peer, kFarPeer) << "a response not sent back the way its request came";
  }
  sent_.push_back(s);
}

void SipCallHarness::collect() {
  for (SipCall* c : engines_) {
    for (const SipCallEvent& e : c->take_events()) {
      events_.push_back(Event{.kind = e.kind,
                              .sdp = std::string(e.sdp),
                              .peer = std::string(e.peer),
                              .peer_name = std::string(e.peer_name),
                              .reason = std::string(e.reason),
                              .end = e.end,
                              .status = e.status,
                              .digit = e.digit,
                              .at = now_});
    }
  }
}

SipCallRouter::Outcome SipCallHarness::feed(const std::string& text) {
  SipMessage m;
  EXPECT_EQ(m.parse(text), SipError::kOk) << text;
  SipCallRouter::Routed r = router_.receive(now_, m, TxTransport::kUnreliable, kFarPeer, me());
  collect();  // while the message (and the SDP the events point into) lives
  return r.outcome;
}

void SipCallHarness::advance_to(TimeMs to) {
  for (;;) {
    TimeMs next = router_.next_wakeup();
    if (next > to) break;
    now_ = next < now_ ? now_ : next;
    router_.tick(now_);
    collect();
  }
  now_ = to;
}

std::string SipCallHarness::response_to(const Sent& req, int status, const std::string& reason,
                                        const std::string& to_tag, const std::string& headers,
                                        const std::string& body, const std::string& contact) {
  std::string r = "SIP/2.0 " + std::to_string(status) + " " + reason + "\r\n";
  for (const std::string& v : req.all("Via")) r += "Via: " + v + "\r\n";
  r += "From: " + req.header("From") + "\r\n";
  std::string to = req.header("To");
  if (!to_tag.empty() && tag_of(to).empty()) to += ";tag=" + to_tag;
  r += "To: " + to + "\r\n";
  r += "Call-ID: " + req.header("Call-ID") + "\r\n";
  r += "CSeq: " + req.header("CSeq") + "\r\n";
  if (!contact.empty() && status > 100 && status < 300) r += "Contact: " + contact + "\r\n";
  r += headers;
  if (!body.empty()) r += "Content-Type: application/sdp\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

std::string SipCallHarness::incoming_invite(const std::string& headers, const std::string& body,
                                            const std::string& branch, int cseq) const {
  std::string r = "INVITE sip:desk-101@192.0.2.10:5060 SIP/2.0\r\n";
  r += "Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKproxy1\r\n";
  r += "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=" + branch + ";rport\r\n";
  r += "Record-Route: <sip:192.0.2.30;lr>\r\n";
  r += "Max-Forwards: 69\r\n";
  r += "From: \"Alice\" <sip:+15550001111@carrier.example>;tag=" + far_tag_ + "\r\n";
  r += "To: <sip:desk-101@acme.example.com>\r\n";
  r += "Call-ID: " + far_call_id_ + "\r\n";
  r += "CSeq: " + std::to_string(cseq) + " INVITE\r\n";
  r += std::string("Contact: ") + kFarContact + "\r\n";
  r += headers;
  if (!body.empty()) r += "Content-Type: application/sdp\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

std::string SipCallHarness::far_request(const std::string& method, int cseq, const std::string& branch,
                                        const std::string& headers, const std::string& body,
                                        const std::string& content_type) const {
  const std::string call_id = incoming_ ? far_call_id_ : std::string(call_.call_id());
  std::string r = method + " sip:desk-101@192.0.2.10:5060 SIP/2.0\r\n";
  r += "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=" + branch + "\r\n";
  r += "Max-Forwards: 70\r\n";
  if (incoming_) {
    r += "From: \"Alice\" <sip:+15550001111@carrier.example>;tag=" + far_tag_ + "\r\n";
    r += "To: <sip:desk-101@acme.example.com>;tag=" + local_tag_ + "\r\n";
  } else {
    r += std::string("From: <") + kTarget + ">;tag=" + far_tag_ + "\r\n";
    r += "To: \"Front desk\" <sip:desk-101@acme.example.com>;tag=" + local_tag_ + "\r\n";
  }
  r += "Call-ID: " + call_id + "\r\n";
  r += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
  if (method == "INVITE" || method == "UPDATE") r += std::string("Contact: ") + kFarContact + "\r\n";
  r += headers;
  if (!body.empty()) r += "Content-Type: " + content_type + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

Sent SipCallHarness::connect_outgoing(const std::string& answer_headers) {
  EXPECT_TRUE(call_.place(now_, me(), kTarget, kOffer));
  Sent invite = only_sent();
  local_tag_ = invite.from_tag();
  feed(response_to(invite, 180, "Ringing", far_tag_));
  feed(response_to(invite, 200, "OK", far_tag_, answer_headers, kAnswer));
  take_sent();
  take_events();
  return invite;
}

Sent SipCallHarness::connect_incoming(const std::string& invite_headers) {
  incoming_ = true;
  EXPECT_EQ(feed(incoming_invite(invite_headers, kAnswer)), SipCallRouter::Outcome::kNewCall);
  EXPECT_TRUE(call_.ring(now_));
  EXPECT_TRUE(call_.answer(now_, kOffer));
  collect();
  auto sent = take_sent();
  EXPECT_EQ(sent.size(), 3u);
  Sent ok = sent.back();
  local_tag_ = ok.to_tag();
  feed(far_request("ACK", 10, "z9hG4bKfarack1"));
  take_events();
  take_sent();
  return ok;
}

Sent SipCallHarness::only_sent() {
  auto s = take_sent();
  EXPECT_EQ(s.size(), 1u);
  if (s.empty()) return {};
  return s.front();
}

Event SipCallHarness::only_event() {
  auto e = take_events();
  EXPECT_EQ(e.size(), 1u);
  if (e.empty()) return Event{};
  return e.front();
}

}  // namespace dialtone::protocol::sip::test
