#include "protocol/sip/sip_message.hpp"

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <cstring>

#include "firmware/core/random.hpp"
#include "protocol/sip/sip_pool.hpp"
#include "protocol/sip/sip_text.hpp"
#include "protocol/sip/sip_writer.hpp"

namespace dialtone::protocol::sip {
namespace {

// Scratch text for values handed to oSIP, which wants NUL-terminated
// mutable strings. Static: everything runs on the loop's thread, and a
// message's worth of text is too much for the stack.
FixedString<limits::kSipMessageMax> g_compose;  // a value being put together
FixedString<limits::kSipMessageMax> g_value;    // the copy oSIP reads
FixedString<limits::kSipTokenMax> g_name;

using text::ieq;
using text::lower;
using text::sv;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// A value that may go into a header line: no CR, LF or NUL.
bool clean(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// RFC 3261 token characters (methods, option tags).
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::strchr("-.!%*_+`'~", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

// Digits only. Delta-seconds saturate at 2^32-1 (RFC 3261 20.19 reads a
// larger value as that); CSeq must fit.
bool parse_u32(std::string_view s, std::uint32_t& out, bool saturate) {
  s = trim(s);
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > 0xffffffffull) {
      if (!saturate) return false;
      v = 0xffffffffull;
      // keep reading to check the rest are digits
      for (char d : s)
        if (d < '0' || d > '9') return false;
      break;
    }
  }
  out = static_cast<std::uint32_t>(v);
  return true;
}

using text::append_u32;

// A parameter of an oSIP parameter list (URI params, header params),
// case-insensitively by name.
const osip_generic_param_t* find_param(const osip_list_t* list, std::string_view name) {
  int n = osip_list_size(list);
  for (int i = 0; i < n; ++i) {
    auto* p = static_cast<const osip_generic_param_t*>(osip_list_get(list, i));
    if (p && ieq(sv(p->gname), name)) return p;
  }
  return nullptr;
}

template <std::size_t N>
bool format_uri(const osip_uri_t* u, FixedString<N>& out) {
  out.clear();
  return text::write_uri(out, u);
}

// "<uri>;param=value..." of a Route / Record-Route entry.
bool format_route(const osip_from_t* r, SipHeaderText& out) {
  out.clear();
  return r != nullptr && r->url != nullptr && text::write_name_addr(out, r, false);
}

// A display name without its quotes and with \-escapes undone.
template <std::size_t N>
bool display_name(std::string_view raw, FixedString<N>& out) {
  out.clear();
  raw = trim(raw);
  bool quoted = raw.size() >= 2 && raw.front() == '"' && raw.back() == '"';
  if (!quoted) return out.append(raw);
  raw = raw.substr(1, raw.size() - 2);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) c = raw[++i];
    if (!out.push_back(c)) return false;
  }
  return true;
}

bool to_name_addr(const osip_from_t* f, NameAddr& out) {
  if (f == nullptr || f->url == nullptr) return false;
  if (!display_name(sv(f->displayname), out.display)) return false;
  if (!format_uri(f->url, out.uri)) return false;
  out.user.clear();
  if (f->url->string != nullptr) {  // tel:+15551234;phone-context=...
    std::string_view s = f->url->string;
    if (!out.user.assign(s.substr(0, s.find(';')))) return false;
  } else if (f->url->username && !out.user.assign(f->url->username)) {
    return false;
  }
  out.tag.clear();
  const osip_generic_param_t* tag = find_param(&f->gen_params, "tag");
  if (tag && tag->gvalue && !out.tag.assign(tag->gvalue)) return false;
  return true;
}

// --- writing into an osip_message_t -------------------------------------------

// The headers the builders and accessors need as oSIP's structures; every
// other header is added as text, byte for byte, with its name as given
// (oSIP's generic path would lower-case it). Credentials stay text so that
// what the digest code wrote is what goes out. Content-Length is always
// computed by the writer, whatever is added.
bool parsed_by_osip(std::string_view name) {
  static constexpr std::string_view kParsed[] = {"via",  "v", "route", "record-route", "from",         "f",
                                                 "to",   "t", "call-id", "i",           "cseq",         "contact",
                                                 "m",    "content-type", "c",           "content-length", "l"};
  for (std::string_view k : kParsed)
    if (ieq(name, k)) return true;
  return false;
}

// Ours, beside oSIP's negative codes.
constexpr int kBadValue = -1000;       // a value given to a builder or mutator
constexpr int kMissingField = -1001;   // a parsed message without a mandatory header

int set_header(osip_message_t* m, std::string_view name, std::string_view value) {
  if (!is_token(name) || !clean(value)) return kBadValue;
  if (!g_name.assign(name) || !g_value.assign(value)) return kBadValue;
  m->message_property = 2;
  if (parsed_by_osip(name)) return osip_message_set_multiple_header(m, g_name.data(), g_value.data());
  return osip_message_set_header(m, g_name.c_str(), g_value.c_str());
}

char* dup(std::string_view s) {
  auto* p = static_cast<char*>(osip_malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// "display" <uri>;tag=t
bool compose_address(const AddressSpec& a, FixedString<limits::kSipMessageMax>& out) {
  out.clear();
  bool ok = true;
  if (!a.display.empty()) {
    ok = out.push_back('"');
    for (char c : a.display) {
      if (c == '"' || c == '\\') ok = ok && out.push_back('\\');
      ok = ok && out.push_back(c);
    }
    ok = ok && out.append("\" ");
  }
  ok = ok && out.push_back('<') && out.append(a.uri) && out.push_back('>');
  if (!a.tag.empty()) ok = ok && out.append(";tag=") && out.append(a.tag);
  return ok && !a.uri.empty();
}

int set_address(osip_message_t* m, std::string_view name, const AddressSpec& a) {
  if (!compose_address(a, g_compose)) return kBadValue;
  return set_header(m, name, g_compose.view());
}

int set_request_line(osip_message_t* m, std::string_view method, std::string_view uri_text) {
  if (!is_token(method) || uri_text.empty() || !clean(uri_text) || !g_value.assign(uri_text)) return kBadValue;
  osip_uri_t* uri = nullptr;
  if (int rc = osip_uri_init(&uri); rc != 0) return rc;
  if (int rc = osip_uri_parse(uri, g_value.c_str()); rc != 0) {
    osip_uri_free(uri);
    return rc == OSIP_NOMEM ? rc : kBadValue;
  }
  osip_message_set_uri(m, uri);
  char* meth = dup(method);
  char* version = dup("SIP/2.0");
  osip_message_set_method(m, meth);
  osip_message_set_version(m, version);
  return meth && version ? 0 : OSIP_NOMEM;
}

int set_max_forwards(osip_message_t* m, unsigned n) {
  FixedString<4> v;
  append_u32(v, n);
  return set_header(m, "Max-Forwards", v.view());
}

int set_body_of(osip_message_t* m, std::string_view content_type, std::string_view body) {
  while (osip_list_size(&m->bodies) > 0) {
    auto* b = static_cast<osip_body_t*>(osip_list_get(&m->bodies, 0));
    osip_list_remove(&m->bodies, 0);
    osip_body_free(b);
  }
  osip_content_type_free(m->content_type);
  m->content_type = nullptr;
  osip_content_length_free(m->content_length);
  m->content_length = nullptr;
  m->message_property = 2;
  if (body.empty()) return 0;
  if (body.size() > limits::kSipMessageMax) return kBadValue;
  if (content_type.empty()) return kBadValue;
  if (int rc = set_header(m, "Content-Type", content_type); rc != 0) return rc;
  return osip_message_set_body(m, body.data(), body.size());
}

// Clones an oSIP list of headers (Via, Route, Record-Route) into another.
template <typename T>
int clone_list(const osip_list_t* from, osip_list_t* to, int (*clone)(const T*, T**), void (*free_fn)(T*),
               int max = -1) {
  int n = osip_list_size(from);
  if (max >= 0 && n > max) n = max;
  for (int i = 0; i < n; ++i) {
    T* copy = nullptr;
    if (int rc = clone(static_cast<const T*>(osip_list_get(from, i)), &copy); rc != 0) return rc;
    if (osip_list_add(to, copy, -1) < 0) {
      free_fn(copy);
      return OSIP_NOMEM;
    }
  }
  return 0;
}

// The Route set given as text, in order.
int set_routes(osip_message_t* m, std::span<const std::string_view> routes) {
  for (std::string_view r : routes)
    if (int rc = set_header(m, "Route", r); rc != 0) return rc;
  return 0;
}

// Whether a Route value names a loose router (";lr" among its URI's
// parameters, RFC 3261 19.1.1).
bool loose_router(std::string_view route) {
  std::size_t lt = route.find('<');
  if (lt != std::string_view::npos) {
    std::size_t gt = route.find('>', lt);
    route = route.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  std::size_t pos = 0;
  while ((pos = route.find(';', pos)) != std::string_view::npos) {
    ++pos;
    std::string_view rest = route.substr(pos);
    if (rest.size() >= 2 && lower(rest[0]) == 'l' && lower(rest[1]) == 'r' &&
        (rest.size() == 2 || rest[2] == ';' || rest[2] == '=' || rest[2] == '?'))
      return true;
  }
  return false;
}

// The URI of a Route value ("<sip:p1;lr>" -> "sip:p1;lr").
std::string_view route_uri(std::string_view route) {
  std::size_t lt = route.find('<');
  if (lt == std::string_view::npos) return trim(route.substr(0, route.find(';')));
  std::size_t gt = route.find('>', lt);
  if (gt == std::string_view::npos) return {};
  return route.substr(lt + 1, gt - lt - 1);
}

// What a step of the work turned out to be: oSIP's code (or ours), and
// whether the pool refused anything meanwhile (oSIP swallows some of those).
SipError outcome(int rc, std::size_t refused_before, SipError otherwise) {
  if (sip_pool_stats().refused != refused_before || rc == OSIP_NOMEM) return SipError::kPoolExhausted;
  if (rc == 0) return SipError::kOk;
  if (rc == kBadValue) return SipError::kBadArgument;
  if (rc == kMissingField) return SipError::kMissingHeader;
  return otherwise;
}

// The mandatory header fields of RFC 3261 8.1.1, and a start line that makes sense.
SipError check_parsed(const osip_message_t* m) {
  bool request = m->sip_method != nullptr;
  if (request) {
    if (m->req_uri == nullptr || !is_token(m->sip_method)) return SipError::kMalformed;
  } else if (m->status_code < 100 || m->status_code > 699) {
    return SipError::kMalformed;
  }
  if (osip_list_size(&m->vias) < 1 || m->from == nullptr || m->from->url == nullptr || m->to == nullptr ||
      m->to->url == nullptr || m->call_id == nullptr || m->call_id->number == nullptr ||
      m->cseq == nullptr || m->cseq->number == nullptr || m->cseq->method == nullptr)
    return SipError::kMissingHeader;
  std::uint32_t n = 0;
  if (!parse_u32(m->cseq->number, n, false)) return SipError::kMalformed;
  if (request && std::strcmp(m->cseq->method, m->sip_method) != 0) return SipError::kMissingHeader;
  return SipError::kOk;
}

// Whether `tag` is in a comma-separated list of option tags.
bool in_list(std::string_view list, std::string_view tag) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (ieq(trim(list.substr(0, comma)), tag)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

const char* to_string(SipError e) {
  switch (e) {
    case SipError::kOk: return "ok";
    case SipError::kTooLarge: return "message too large";
    case SipError::kPoolExhausted: return "SIP pool exhausted";
    case SipError::kMalformed: return "malformed message";
    case SipError::kMissingHeader: return "mandatory header missing";
    case SipError::kBufferTooSmall: return "buffer too small";
    case SipError::kBadArgument: return "bad argument";
    case SipError::kEmpty: return "empty message";
    case SipError::kRandomFailed: return "random generator failed";
    case SipError::kNoRoom: return "no free transaction slot";
  }
  return "?";
}

// --- life cycle ----------------------------------------------------------------

SipMessage::SipMessage() { sip_pool_install(); }

SipMessage::~SipMessage() { clear(); }

SipMessage::SipMessage(SipMessage&& other) noexcept : msg_(other.msg_), owner_(other.owner_) {
  other.msg_ = nullptr;
  other.owner_ = 0;
}

SipMessage& SipMessage::operator=(SipMessage&& other) noexcept {
  if (this != &other) {
    clear();
    msg_ = other.msg_;
    owner_ = other.owner_;
    other.msg_ = nullptr;
    other.owner_ = 0;
  }
  return *this;
}

void SipMessage::clear() {
  if (msg_ != nullptr) {
    SipPoolOwnerScope scope(owner_);
    osip_message_free(msg_);
  }
  // Whatever oSIP forgot to free for this message goes back too.
  sip_pool_sweep(owner_);
  msg_ = nullptr;
  owner_ = 0;
}

void SipMessage::adopt(osip_message* m, std::uint32_t owner) {
  clear();
  msg_ = m;
  owner_ = owner;
}

namespace {

// Runs `fill` on a fresh osip_message_t under a new owner; the result
// replaces `target`'s message on success, and leaves nothing behind on
// failure.
template <typename Fill>
SipError build_with(SipMessage& target, osip_message_t*& out, std::uint32_t& owner, SipError otherwise,
                    Fill&& fill) {
  owner = sip_pool_new_owner();
  SipError err;
  {
    SipPoolOwnerScope scope(owner);
    std::size_t refused = sip_pool_stats().refused;
    osip_message_t* m = nullptr;
    int rc = osip_message_init(&m);
    if (rc == 0) rc = fill(m);
    err = outcome(rc, refused, otherwise);
    if (err == SipError::kOk) {
      out = m;
      return err;
    }
    if (m != nullptr) osip_message_free(m);
  }
  sip_pool_sweep(owner);
  target.clear();
  return err;
}

}  // namespace

SipError SipMessage::parse(std::string_view bytes) {
  sip_pool_install();
  if (bytes.size() > limits::kSipMessageMax) {
    clear();
    return SipError::kTooLarge;
  }
  if (bytes.empty()) {
    clear();
    return SipError::kMalformed;
  }
  osip_message_t* m = nullptr;
  std::uint32_t owner = 0;
  SipError err = build_with(*this, m, owner, SipError::kMalformed, [&](osip_message_t* fresh) {
    int rc = osip_message_parse(fresh, bytes.data(), bytes.size());
    if (rc == 0) {
      SipError check = check_parsed(fresh);
      if (check == SipError::kMissingHeader) return kMissingField;
      if (check != SipError::kOk) return OSIP_SYNTAXERROR;
    }
    return rc;
  });
  if (err != SipError::kOk) return err;
  adopt(m, owner);
  return SipError::kOk;
}

SipError SipMessage::serialize(std::span<char> out, std::size_t& len) const {
  len = 0;
  if (msg_ == nullptr) return SipError::kEmpty;
  // Written by our own code, into `out` only: no pool, no oSIP writer
  // (sip_text.hpp says why).
  std::size_t need = 0;
  SipError err = write_message(msg_, out, need);
  if (err == SipError::kOk || err == SipError::kBufferTooSmall) {
    if (need > limits::kSipMessageMax) return SipError::kTooLarge;
    if (err == SipError::kOk) len = need;
  }
  return err;
}

SipError SipMessage::copy_from(const SipMessage& other) {
  if (&other == this) return msg_ ? SipError::kOk : SipError::kEmpty;
  if (other.msg_ == nullptr) {
    clear();
    return SipError::kEmpty;
  }
  std::uint32_t owner = sip_pool_new_owner();
  osip_message_t* copy = nullptr;
  SipError err;
  {
    SipPoolOwnerScope scope(owner);
    std::size_t refused = sip_pool_stats().refused;
    int rc = osip_message_clone(other.msg_, &copy);
    err = outcome(rc, refused, SipError::kMalformed);
    if (err != SipError::kOk && copy != nullptr) osip_message_free(copy);
  }
  if (err != SipError::kOk) {
    sip_pool_sweep(owner);
    clear();
    return err;
  }
  adopt(copy, owner);
  return SipError::kOk;
}

// --- builders --------------------------------------------------------------------

SipError SipMessage::build_request(const RequestSpec& s) {
  sip_pool_install();
  if (s.body.size() > limits::kSipMessageMax) return SipError::kTooLarge;
  osip_message_t* m = nullptr;
  std::uint32_t owner = 0;
  SipError err = build_with(*this, m, owner, SipError::kBadArgument, [&](osip_message_t* fresh) {
    if (int rc = set_request_line(fresh, s.method, s.request_uri); rc != 0) return rc;
    // Via: SIP/2.0/UDP host:port;branch=...;rport
    g_compose.clear();
    bool ok = !s.via.transport.empty() && !s.via.host.empty() && !s.via.branch.empty() &&
              g_compose.append("SIP/2.0/") && g_compose.append(s.via.transport) && g_compose.push_back(' ');
    bool v6 = s.via.host.find(':') != std::string_view::npos;
    ok = ok && (!v6 || g_compose.push_back('[')) && g_compose.append(s.via.host) && (!v6 || g_compose.push_back(']'));
    if (s.via.port != 0) ok = ok && g_compose.push_back(':') && append_u32(g_compose, s.via.port);
    ok = ok && g_compose.append(";branch=") && g_compose.append(s.via.branch) && g_compose.append(";rport");
    if (!ok) return kBadValue;
    if (int rc = set_header(fresh, "Via", g_compose.view()); rc != 0) return rc;
    if (int rc = set_routes(fresh, s.routes); rc != 0) return rc;
    if (int rc = set_max_forwards(fresh, s.max_forwards); rc != 0) return rc;
    if (int rc = set_address(fresh, "From", s.from); rc != 0) return rc;
    if (int rc = set_address(fresh, "To", s.to); rc != 0) return rc;
    if (s.call_id.empty()) return kBadValue;
    if (int rc = set_header(fresh, "Call-ID", s.call_id); rc != 0) return rc;
    g_compose.clear();
    if (!append_u32(g_compose, s.cseq) || !g_compose.push_back(' ') || !g_compose.append(s.method)) return kBadValue;
    if (int rc = set_header(fresh, "CSeq", g_compose.view()); rc != 0) return rc;
    if (!s.contact.empty()) {
      g_compose.clear();
      if (!g_compose.push_back('<') || !g_compose.append(s.contact) || !g_compose.push_back('>')) return kBadValue;
      if (int rc = set_header(fresh, "Contact", g_compose.view()); rc != 0) return rc;
    }
    if (!s.user_agent.empty())
      if (int rc = set_header(fresh, "User-Agent", s.user_agent); rc != 0) return rc;
    return set_body_of(fresh, s.content_type, s.body);
  });
  if (err != SipError::kOk) return err;
  adopt(m, owner);
  return SipError::kOk;
}

SipError SipMessage::build_in_dialog(const DialogSpec& d, std::string_view method, std::uint32_t cseq,
                                     const ViaSpec& via, std::string_view contact) {
  if (d.route_set.size() > limits::kSipRouteSetMax) return SipError::kBadArgument;
  RequestSpec r;
  r.method = method;
  r.request_uri = d.remote_target;
  r.from = d.local;
  r.to = d.remote;
  r.call_id = d.call_id;
  r.cseq = cseq;
  r.via = via;
  r.routes = d.route_set;
  r.contact = contact;
  // A strict router first in the route set (RFC 3261 12.2.1.1): it becomes
  // the Request-URI, and the remote target goes last among the routes.
  FixedVector<std::string_view, limits::kSipRouteSetMax + 1> strict;
  FixedString<limits::kSipUriMax + 2> target;
  if (!d.route_set.empty() && !loose_router(d.route_set[0])) {
    r.request_uri = route_uri(d.route_set[0]);
    for (std::size_t i = 1; i < d.route_set.size(); ++i) strict.push_back(d.route_set[i]);
    if (!target.push_back('<') || !target.append(d.remote_target) || !target.push_back('>'))
      return SipError::kBadArgument;
    strict.push_back(target.view());
    r.routes = strict.span();
  }
  return build_request(r);
}

SipError SipMessage::build_response(const SipMessage& request, int status, std::string_view to_tag,
                                    std::string_view reason) {
  if (request.msg_ == nullptr) return SipError::kEmpty;
  if (!request.is_request() || status < 100 || status > 699 || !clean(reason) || !clean(to_tag))
    return SipError::kBadArgument;
  const osip_message_t* req = request.msg_;
  osip_message_t* m = nullptr;
  std::uint32_t owner = 0;
  SipError err = build_with(*this, m, owner, SipError::kBadArgument, [&](osip_message_t* fresh) {
    char* version = dup("SIP/2.0");
    char* phrase = dup(reason.empty() ? std::string_view(reason_phrase(status)) : reason);
    osip_message_set_version(fresh, version);
    osip_message_set_reason_phrase(fresh, phrase);
    osip_message_set_status_code(fresh, status);
    if (!version || !phrase) return OSIP_NOMEM;
    if (int rc = clone_list<osip_via_t>(&req->vias, &fresh->vias, osip_via_clone, osip_via_free); rc != 0) return rc;
    if (req->from == nullptr || req->to == nullptr || req->call_id == nullptr || req->cseq == nullptr)
      return kBadValue;
    if (int rc = osip_from_clone(req->from, &fresh->from); rc != 0) return rc;
    if (int rc = osip_to_clone(req->to, &fresh->to); rc != 0) return rc;
    if (int rc = osip_call_id_clone(req->call_id, &fresh->call_id); rc != 0) return rc;
    if (int rc = osip_cseq_clone(req->cseq, &fresh->cseq); rc != 0) return rc;
    if (status != 100 && !to_tag.empty() && find_param(&fresh->to->gen_params, "tag") == nullptr) {
      char* tag = dup(to_tag);
      if (tag == nullptr) return OSIP_NOMEM;
      if (int rc = osip_to_set_tag(fresh->to, tag); rc != 0) return rc;
    }
    if (status > 100 && status < 300)
      if (int rc = clone_list<osip_record_route_t>(&req->record_routes, &fresh->record_routes,
                                                   osip_record_route_clone, osip_record_route_free);
          rc != 0)
        return rc;
    return 0;
  });
  if (err != SipError::kOk) return err;
  adopt(m, owner);
  return SipError::kOk;
}

namespace {

// CANCEL and the ACK of a failure share their shape (RFC 3261 9.1, 17.1.1.3).
int fill_cancel_or_ack(osip_message_t* m, const osip_message_t* inv, const osip_message_t* to_from,
                       std::string_view method) {
  if (inv->req_uri == nullptr || inv->from == nullptr || to_from->to == nullptr || inv->call_id == nullptr ||
      inv->cseq == nullptr)
    return kBadValue;
  char* meth = dup(method);
  char* version = dup("SIP/2.0");
  osip_message_set_method(m, meth);
  osip_message_set_version(m, version);
  if (!meth || !version) return OSIP_NOMEM;
  osip_uri_t* uri = nullptr;
  if (int rc = osip_uri_clone(inv->req_uri, &uri); rc != 0) return rc;
  osip_message_set_uri(m, uri);
  if (int rc = clone_list<osip_via_t>(&inv->vias, &m->vias, osip_via_clone, osip_via_free, 1); rc != 0) return rc;
  if (int rc = clone_list<osip_route_t>(&inv->routes, &m->routes, osip_route_clone, osip_route_free); rc != 0)
    return rc;
  if (int rc = set_max_forwards(m, 70); rc != 0) return rc;
  if (int rc = osip_from_clone(inv->from, &m->from); rc != 0) return rc;
  if (int rc = osip_to_clone(to_from->to, &m->to); rc != 0) return rc;
  if (int rc = osip_call_id_clone(inv->call_id, &m->call_id); rc != 0) return rc;
  if (int rc = osip_cseq_init(&m->cseq); rc != 0) return rc;
  char* number = dup(sv(inv->cseq->number));
  char* cmeth = dup(method);
  osip_cseq_set_number(m->cseq, number);
  osip_cseq_set_method(m->cseq, cmeth);
  return number && cmeth ? 0 : OSIP_NOMEM;
}

}  // namespace

SipError SipMessage::build_cancel(const SipMessage& invite) {
  if (invite.msg_ == nullptr) return SipError::kEmpty;
  if (invite.method() != "INVITE") return SipError::kBadArgument;
  osip_message_t* m = nullptr;
  std::uint32_t owner = 0;
  const osip_message_t* inv = invite.msg_;
  SipError err = build_with(*this, m, owner, SipError::kBadArgument,
                            [&](osip_message_t* fresh) { return fill_cancel_or_ack(fresh, inv, inv, "CANCEL"); });
  if (err != SipError::kOk) return err;
  adopt(m, owner);
  return SipError::kOk;
}

SipError SipMessage::build_ack_for_failure(const SipMessage& invite, const SipMessage& response) {
  if (invite.msg_ == nullptr || response.msg_ == nullptr) return SipError::kEmpty;
  if (invite.method() != "INVITE" || !response.is_response() || response.msg_->to == nullptr)
    return SipError::kBadArgument;
  osip_message_t* m = nullptr;
  std::uint32_t owner = 0;
  const osip_message_t* inv = invite.msg_;
  const osip_message_t* resp = response.msg_;
  SipError err = build_with(*this, m, owner, SipError::kBadArgument,
                            [&](osip_message_t* fresh) { return fill_cancel_or_ack(fresh, inv, resp, "ACK"); });
  if (err != SipError::kOk) return err;
  adopt(m, owner);
  return SipError::kOk;
}

// --- mutators --------------------------------------------------------------------

SipError SipMessage::add_header(std::string_view name, std::string_view value) {
  if (msg_ == nullptr) return SipError::kEmpty;
  SipPoolOwnerScope scope(owner_);
  std::size_t refused = sip_pool_stats().refused;
  return outcome(set_header(msg_, name, value), refused, SipError::kBadArgument);
}

std::size_t SipMessage::remove_header(std::string_view name) {
  if (msg_ == nullptr) return 0;
  SipPoolOwnerScope scope(owner_);
  std::size_t removed = 0;
  for (int i = osip_list_size(&msg_->headers) - 1; i >= 0; --i) {
    auto* h = static_cast<osip_header_t*>(osip_list_get(&msg_->headers, i));
    if (h == nullptr || !ieq(sv(h->hname), name)) continue;
    osip_list_remove(&msg_->headers, i);
    osip_header_free(h);
    ++removed;
  }
  if (removed) msg_->message_property = 2;
  return removed;
}

SipError SipMessage::set_body(std::string_view content_type, std::string_view body) {
  if (msg_ == nullptr) return SipError::kEmpty;
  if (body.size() > limits::kSipMessageMax) return SipError::kTooLarge;
  SipPoolOwnerScope scope(owner_);
  std::size_t refused = sip_pool_stats().refused;
  return outcome(set_body_of(msg_, content_type, body), refused, SipError::kBadArgument);
}

SipError SipMessage::add_contact(std::string_view uri, std::optional<std::uint32_t> expires) {
  if (msg_ == nullptr) return SipError::kEmpty;
  g_compose.clear();
  bool ok = !uri.empty() && g_compose.push_back('<') && g_compose.append(uri) && g_compose.push_back('>');
  if (expires) ok = ok && g_compose.append(";expires=") && append_u32(g_compose, *expires);
  if (!ok) return SipError::kBadArgument;
  SipPoolOwnerScope scope(owner_);
  std::size_t refused = sip_pool_stats().refused;
  return outcome(set_header(msg_, "Contact", g_compose.view()), refused, SipError::kBadArgument);
}

// --- accessors -------------------------------------------------------------------

bool SipMessage::is_request() const { return msg_ != nullptr && msg_->sip_method != nullptr; }
bool SipMessage::is_response() const { return msg_ != nullptr && msg_->sip_method == nullptr; }
std::string_view SipMessage::method() const { return msg_ ? sv(msg_->sip_method) : std::string_view(); }
int SipMessage::status() const { return is_response() ? msg_->status_code : 0; }
std::string_view SipMessage::reason() const { return is_response() ? sv(msg_->reason_phrase) : std::string_view(); }

std::optional<SipUri> SipMessage::request_uri() const {
  SipUri u;
  if (!is_request() || !format_uri(msg_->req_uri, u)) return std::nullopt;
  return u;
}

std::optional<SipCallId> SipMessage::call_id() const {
  if (msg_ == nullptr || msg_->call_id == nullptr || msg_->call_id->number == nullptr) return std::nullopt;
  SipCallId id;
  bool ok = id.assign(msg_->call_id->number);
  if (msg_->call_id->host) ok = ok && id.push_back('@') && id.append(msg_->call_id->host);
  if (!ok) return std::nullopt;
  return id;
}

std::optional<CSeq> SipMessage::cseq() const {
  if (msg_ == nullptr || msg_->cseq == nullptr || msg_->cseq->method == nullptr) return std::nullopt;
  CSeq c;
  if (!parse_u32(sv(msg_->cseq->number), c.number, false)) return std::nullopt;
  c.method = msg_->cseq->method;
  return c;
}

std::optional<NameAddr> SipMessage::from() const {
  NameAddr a;
  if (msg_ == nullptr || !to_name_addr(msg_->from, a)) return std::nullopt;
  return a;
}

std::optional<NameAddr> SipMessage::to() const {
  NameAddr a;
  if (msg_ == nullptr || !to_name_addr(msg_->to, a)) return std::nullopt;
  return a;
}

std::size_t SipMessage::via_count() const {
  return msg_ ? static_cast<std::size_t>(osip_list_size(&msg_->vias)) : 0;
}

std::optional<Via> SipMessage::top_via() const {
  if (msg_ == nullptr) return std::nullopt;
  auto* v = static_cast<const osip_via_t*>(osip_list_get(&msg_->vias, 0));
  if (v == nullptr || v->host == nullptr) return std::nullopt;
  Via out;
  out.transport = sv(v->protocol);
  out.host = v->host;
  std::uint32_t port = 0;
  if (v->port && parse_u32(v->port, port, false) && port <= 65535) out.port = static_cast<std::uint16_t>(port);
  if (const auto* p = find_param(&v->via_params, "branch")) out.branch = sv(p->gvalue);
  if (const auto* p = find_param(&v->via_params, "received")) out.received = sv(p->gvalue);
  if (const auto* p = find_param(&v->via_params, "rport")) {
    out.rport = true;
    if (p->gvalue && parse_u32(p->gvalue, port, false) && port <= 65535)
      out.rport_value = static_cast<std::uint16_t>(port);
  }
  return out;
}

std::size_t SipMessage::contact_count() const {
  return msg_ ? static_cast<std::size_t>(osip_list_size(&msg_->contacts)) : 0;
}

std::optional<Contact> SipMessage::contact(std::size_t index) const {
  if (msg_ == nullptr) return std::nullopt;
  auto* c = static_cast<const osip_contact_t*>(osip_list_get(&msg_->contacts, static_cast<int>(index)));
  if (c == nullptr) return std::nullopt;
  Contact out;
  if (c->url == nullptr) {
    if (trim(sv(c->displayname)) != "*") return std::nullopt;
    out.star = true;
    return out;
  }
  if (!format_uri(c->url, out.uri)) return std::nullopt;
  if (const auto* p = find_param(&c->gen_params, "expires")) {
    std::uint32_t e = 0;
    if (p->gvalue && parse_u32(p->gvalue, e, true)) out.expires = e;
  }
  return out;
}

namespace {
std::optional<std::uint32_t> delta_seconds(const SipMessage& m, std::string_view name) {
  auto v = m.header(name);
  std::uint32_t n = 0;
  if (!v || !parse_u32(*v, n, true)) return std::nullopt;
  return n;
}
}  // namespace

std::optional<std::uint32_t> SipMessage::expires() const { return delta_seconds(*this, "Expires"); }
std::optional<std::uint32_t> SipMessage::min_expires() const { return delta_seconds(*this, "Min-Expires"); }

std::size_t SipMessage::record_route_count() const {
  return msg_ ? static_cast<std::size_t>(osip_list_size(&msg_->record_routes)) : 0;
}

std::optional<SipHeaderText> SipMessage::record_route(std::size_t index) const {
  if (msg_ == nullptr) return std::nullopt;
  SipHeaderText t;
  if (!format_route(static_cast<const osip_record_route_t*>(osip_list_get(&msg_->record_routes, static_cast<int>(index))), t))
    return std::nullopt;
  return t;
}

std::size_t SipMessage::route_count() const {
  return msg_ ? static_cast<std::size_t>(osip_list_size(&msg_->routes)) : 0;
}

std::optional<SipHeaderText> SipMessage::route(std::size_t index) const {
  if (msg_ == nullptr) return std::nullopt;
  SipHeaderText t;
  if (!format_route(static_cast<const osip_route_t*>(osip_list_get(&msg_->routes, static_cast<int>(index))), t))
    return std::nullopt;
  return t;
}

std::size_t SipMessage::challenge_count(ChallengeKind kind) const {
  if (msg_ == nullptr) return 0;
  return static_cast<std::size_t>(
      osip_list_size(kind == ChallengeKind::kWww ? &msg_->www_authenticates : &msg_->proxy_authenticates));
}

std::optional<Challenge> SipMessage::challenge(ChallengeKind kind, std::size_t index) const {
  if (msg_ == nullptr) return std::nullopt;
  const osip_list_t* list = kind == ChallengeKind::kWww ? &msg_->www_authenticates : &msg_->proxy_authenticates;
  auto* w = static_cast<const osip_www_authenticate_t*>(osip_list_get(list, static_cast<int>(index)));
  if (w == nullptr || w->auth_type == nullptr) return std::nullopt;
  Challenge c;
  c.scheme = w->auth_type;
  c.realm = unquote(sv(w->realm));
  c.nonce = unquote(sv(w->nonce));
  c.opaque = unquote(sv(w->opaque));
  c.algorithm = unquote(sv(w->algorithm));
  c.qop = unquote(sv(w->qop_options));
  c.domain = unquote(sv(w->domain));
  c.stale = ieq(unquote(sv(w->stale)), "true");
  return c;
}

std::optional<NameAddr> SipMessage::p_asserted_identity() const {
  if (msg_ == nullptr) return std::nullopt;
  for (int i = 0; i < osip_list_size(&msg_->headers); ++i) {
    auto* h = static_cast<const osip_header_t*>(osip_list_get(&msg_->headers, i));
    if (h == nullptr || h->hvalue == nullptr || !ieq(sv(h->hname), "P-Asserted-Identity")) continue;
    // Parsed with oSIP's name-addr grammar into a scratch structure from
    // the pool, given back at once.
    SipPoolOwnerScope scope(owner_);
    osip_from_t* f = nullptr;
    if (osip_from_init(&f) != 0) return std::nullopt;
    NameAddr a;
    bool ok = osip_from_parse(f, h->hvalue) == 0 && to_name_addr(f, a);
    osip_from_free(f);
    if (ok) return a;
  }
  return std::nullopt;
}

std::optional<SessionExpires> SipMessage::session_expires() const {
  auto v = header("Session-Expires");
  if (!v) v = header("x");
  if (!v) return std::nullopt;
  std::string_view s = *v;
  std::size_t semi = s.find(';');
  SessionExpires out;
  if (!parse_u32(s.substr(0, semi), out.seconds, true)) return std::nullopt;
  while (semi != std::string_view::npos) {
    s.remove_prefix(semi + 1);
    semi = s.find(';');
    std::string_view param = trim(s.substr(0, semi));
    std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && ieq(trim(param.substr(0, eq)), "refresher"))
      out.refresher = trim(param.substr(eq + 1));
  }
  return out;
}

bool SipMessage::option_listed(std::string_view long_name, std::string_view compact, std::string_view tag) const {
  if (msg_ == nullptr) return false;
  for (int i = 0; i < osip_list_size(&msg_->headers); ++i) {
    auto* h = static_cast<const osip_header_t*>(osip_list_get(&msg_->headers, i));
    if (h == nullptr) continue;
    std::string_view name = sv(h->hname);
    if ((ieq(name, long_name) || (!compact.empty() && ieq(name, compact))) && in_list(sv(h->hvalue), tag))
      return true;
  }
  return false;
}

std::optional<bool> SipMessage::allows(std::string_view method) const {
  if (msg_ == nullptr) return std::nullopt;
  bool seen = false;
  // A received Allow is split by oSIP into one entry per method...
  for (int i = 0; i < osip_list_size(&msg_->allows); ++i) {
    auto* a = static_cast<const osip_allow_t*>(osip_list_get(&msg_->allows, i));
    if (a == nullptr) continue;
    seen = true;
    if (ieq(trim(sv(a->value)), method)) return true;
  }
  // ...one we added is text.
  for (int i = 0; i < osip_list_size(&msg_->headers); ++i) {
    auto* h = static_cast<const osip_header_t*>(osip_list_get(&msg_->headers, i));
    if (h == nullptr || !ieq(sv(h->hname), "Allow")) continue;
    seen = true;
    if (in_list(sv(h->hvalue), method)) return true;
  }
  if (!seen) return std::nullopt;
  return false;
}

bool SipMessage::requires_option(std::string_view tag) const { return option_listed("Require", {}, tag); }
bool SipMessage::supports_option(std::string_view tag) const { return option_listed("Supported", "k", tag); }

FixedString<2 * limits::kSipTokenMax + 1> SipMessage::content_type() const {
  FixedString<2 * limits::kSipTokenMax + 1> out;
  if (msg_ == nullptr || msg_->content_type == nullptr || msg_->content_type->type == nullptr) return out;
  std::string_view type = msg_->content_type->type;
  std::string_view sub = sv(msg_->content_type->subtype);
  if (type.size() + 1 + sub.size() > out.capacity()) return out;
  for (char c : type) out.push_back(lower(c));
  out.push_back('/');
  for (char c : sub) out.push_back(lower(c));
  return out;
}

std::string_view SipMessage::body() const {
  if (msg_ == nullptr) return {};
  auto* b = static_cast<const osip_body_t*>(osip_list_get(&msg_->bodies, 0));
  if (b == nullptr || b->body == nullptr) return {};
  return {b->body, b->length};
}

std::optional<std::string_view> SipMessage::header(std::string_view name, std::size_t index) const {
  if (msg_ == nullptr) return std::nullopt;
  for (int i = 0; i < osip_list_size(&msg_->headers); ++i) {
    auto* h = static_cast<const osip_header_t*>(osip_list_get(&msg_->headers, i));
    if (h == nullptr || !ieq(sv(h->hname), name)) continue;
    if (index-- == 0) return sv(h->hvalue);
  }
  return std::nullopt;
}

// --- identifiers -------------------------------------------------------------------

SipError make_branch(Csprng& rng, SipToken& out) {
  char hex[16];
  if (!rng.hex(hex)) return SipError::kRandomFailed;
  out.assign("z9hG4bK");
  out.append(std::string_view(hex, sizeof hex));
  return SipError::kOk;
}

SipError make_tag(Csprng& rng, SipToken& out) {
  char hex[16];
  if (!rng.hex(hex)) return SipError::kRandomFailed;
  out.assign(std::string_view(hex, sizeof hex));
  return SipError::kOk;
}

SipError make_call_id(Csprng& rng, std::string_view host, SipCallId& out) {
  char uuid[Csprng::kUuidLen];
  if (!rng.uuid_v4(uuid)) return SipError::kRandomFailed;
  out.assign(std::string_view(uuid, sizeof uuid));
  if (!host.empty() && (!clean(host) || !out.push_back('@') || !out.append(host))) {
    out.clear();
    return SipError::kBadArgument;
  }
  return SipError::kOk;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 422: return "Session Interval Too Small";
    case 423: return "Interval Too Brief";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 491: return "Request Pending";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return "Unknown";
  }
}

}  // namespace dialtone::protocol::sip
