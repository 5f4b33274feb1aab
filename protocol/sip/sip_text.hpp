// Internal to protocol/sip: oSIP's structures written as SIP text by our own
// code, into bounded outputs, without allocating. oSIP's own *_to_str
// functions allocate from the pool as they go, and several of them use the
// result of osip_realloc without checking it (osip_via_to_str,
// osip_from_to_str, osip_record_route_to_str, osip_call_info_to_str, ...),
// which turns a full pool into a NULL dereference; so nothing of ours calls
// them.
//
// `Out` is anything with bool append(std::string_view) and bool
// push_back(char) that reports running out of room (FixedString, TextOut).
#pragma once
#include <osipparser2/osip_parser.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace dialtone::protocol::sip::text {

inline std::string_view sv(const char* p) { return p ? std::string_view(p) : std::string_view(); }

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// A writer over a caller's buffer. Past its end it keeps counting what the
// text would need, writing nothing (so a caller learns "too large" from
// "too small"); its appends never fail, and a writer function that returns
// false therefore means a structure it cannot write.
class TextOut {
 public:
  explicit TextOut(std::span<char> buf) : buf_(buf) {}
  bool append(std::string_view s) {
    if (len_ <= buf_.size() && s.size() <= buf_.size() - len_ && !s.empty())
      std::memcpy(buf_.data() + len_, s.data(), s.size());
    len_ += s.size();
    return true;
  }
  bool push_back(char c) { return append(std::string_view(&c, 1)); }
  bool fits() const { return len_ <= buf_.size(); }
  std::size_t size() const { return len_; }  // what the text needs

 private:
  std::span<char> buf_;
  std::size_t len_ = 0;
};

template <typename Out>
bool append_u32(Out& out, std::uint32_t v) {
  char buf[10];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0)
    if (!out.push_back(buf[--n])) return false;
  return true;
}

// RFC 3261 25.1: what may stand unescaped in each part of a URI (the sets
// oSIP's writer uses).
inline constexpr const char* kUserUnreserved = "-_.!~*'()&=+$,;?/";
inline constexpr const char* kPasswordUnreserved = "-_.!~*'()&=+$,";
inline constexpr const char* kParamUnreserved = "-_.!~*'()[]/:&+$";
inline constexpr const char* kHeaderUnreserved = "-_.!~*'()[]/?:+$";

template <typename Out>
bool append_escaped(Out& out, std::string_view s, const char* allowed) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c != '\0' && std::strchr(allowed, c) != nullptr);
    if (plain) {
      if (!out.push_back(static_cast<char>(c))) return false;
    } else {
      char esc[3] = {'%', kHex[c >> 4], kHex[c & 15]};
      if (!out.append(std::string_view(esc, 3))) return false;
    }
  }
  return true;
}

// A URI as oSIP parsed it (user, password and parameters unescaped),
// escaped again as RFC 3261 wants.
template <typename Out>
bool write_uri(Out& out, const osip_uri_t* u) {
  if (u == nullptr) return false;
  if (u->string != nullptr)  // not sip/sips: scheme and the rest as received
    return u->scheme && out.append(u->scheme) && out.push_back(':') && out.append(u->string);
  if (u->host == nullptr) return false;
  bool ok = out.append(u->scheme ? u->scheme : "sip") && out.push_back(':');
  if (u->username) {
    ok = ok && append_escaped(out, u->username, kUserUnreserved);
    if (u->password) ok = ok && out.push_back(':') && append_escaped(out, u->password, kPasswordUnreserved);
    ok = ok && out.push_back('@');
  }
  if (std::strchr(u->host, ':') != nullptr) {
    ok = ok && out.push_back('[') && out.append(u->host) && out.push_back(']');
  } else {
    ok = ok && out.append(u->host);
  }
  if (u->port) ok = ok && out.push_back(':') && out.append(u->port);
  int n = osip_list_size(&u->url_params);
  for (int i = 0; ok && i < n; ++i) {
    auto* p = static_cast<const osip_uri_param_t*>(osip_list_get(&u->url_params, i));
    if (!p || !p->gname) continue;
    ok = out.push_back(';') && append_escaped(out, p->gname, kParamUnreserved);
    if (ok && p->gvalue) ok = out.push_back('=') && append_escaped(out, p->gvalue, kParamUnreserved);
  }
  n = osip_list_size(&u->url_headers);
  bool first = true;
  for (int i = 0; ok && i < n; ++i) {
    auto* h = static_cast<const osip_uri_header_t*>(osip_list_get(&u->url_headers, i));
    if (!h || !h->gname) continue;
    ok = out.push_back(first ? '?' : '&') && append_escaped(out, h->gname, kHeaderUnreserved) &&
         out.push_back('=') && append_escaped(out, sv(h->gvalue), kHeaderUnreserved);
    first = false;
  }
  return ok;
}

// ";name=value" for each generic parameter, as received.
template <typename Out>
bool write_params(Out& out, const osip_list_t* params) {
  int n = osip_list_size(params);
  for (int i = 0; i < n; ++i) {
    auto* p = static_cast<const osip_generic_param_t*>(osip_list_get(params, i));
    if (!p || !p->gname) continue;
    if (!out.push_back(';') || !out.append(p->gname)) return false;
    if (p->gvalue && (!out.push_back('=') || !out.append(p->gvalue))) return false;
  }
  return true;
}

// From, To, Contact, Route, Record-Route: [display] <uri>;params. A Contact
// of "*" is written as such.
template <typename Out>
bool write_name_addr(Out& out, const osip_from_t* f, bool with_display = true) {
  if (f == nullptr) return false;
  if (f->url == nullptr) return f->displayname != nullptr && out.append(f->displayname);  // "*"
  if (with_display && f->displayname && f->displayname[0] != '\0')
    if (!out.append(f->displayname) || !out.push_back(' ')) return false;
  return out.push_back('<') && write_uri(out, f->url) && out.push_back('>') && write_params(out, &f->gen_params);
}

}  // namespace dialtone::protocol::sip::text
