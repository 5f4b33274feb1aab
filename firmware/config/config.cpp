#include "firmware/config/config.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/atomic_file.hpp"
#include "firmware/core/json.hpp"

namespace dialtone::config {
namespace {

// Collects the first error; later checks are skipped once one is found.
struct Checker {
  ConfigError& err;
  bool failed = false;

  bool fail(std::string_view key, std::string_view msg) {
    if (failed) return false;
    failed = true;
    err.key.assign(key);
    err.message.assign(msg);
    return false;
  }

  template <std::size_t N>
  bool string(const cJSON* obj, const char* name, std::string_view key, FixedString<N>& out, bool required) {
    const cJSON* v = json_get(obj, name);
    if (!v) return required ? fail(key, "is required") : true;
    if (!cJSON_IsString(v)) return fail(key, "must be a string");
    std::string_view s(v->valuestring);
    if (s.empty() && required) return fail(key, "must not be empty");
    if (!out.assign(s)) return fail(key, "is too long");
    return true;
  }

  bool url(const cJSON* obj, const char* name, std::string_view key, Url& out, bool required,
           std::string_view scheme1, std::string_view scheme2) {
    if (!string(obj, name, key, out, required)) return false;
    if (out.empty()) return true;
    std::string_view u = out.view();
    auto sep = u.find("://");
    if (sep == std::string_view::npos || sep + 3 >= u.size()) return fail(key, "must be an absolute URL (scheme://host...)");
    std::string_view scheme = u.substr(0, sep);
    if (scheme != scheme1 && scheme != scheme2) {
      char msg[128];
      std::snprintf(msg, sizeof msg, "must use %.*s%s%.*s", static_cast<int>(scheme1.size()), scheme1.data(),
                    scheme2.empty() ? "" : " or ", static_cast<int>(scheme2.size()), scheme2.data());
      return fail(key, msg);
    }
    return true;
  }

  bool boolean(const cJSON* obj, const char* name, std::string_view key, bool& out) {
    const cJSON* v = json_get(obj, name);
    if (!v) return true;
    if (!cJSON_IsBool(v)) return fail(key, "must be true or false");
    out = cJSON_IsTrue(v);
    return true;
  }

  bool integer(const cJSON* obj, const char* name, std::string_view key, int& out, int lo, int hi) {
    const cJSON* v = json_get(obj, name);
    if (!v) return true;
    auto n = json_int(obj, name);
    if (!n) return fail(key, "must be an integer");
    if (*n < lo || *n > hi) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "must be between %d and %d", lo, hi);
      return fail(key, msg);
    }
    out = static_cast<int>(*n);
    return true;
  }

  const cJSON* object(const cJSON* obj, const char* name, std::string_view key) {
    const cJSON* v = json_get(obj, name);
    if (!v) return nullptr;
    if (!cJSON_IsObject(v)) {
      fail(key, "must be an object");
      return nullptr;
    }
    return v;
  }

  const cJSON* array(const cJSON* obj, const char* name, std::string_view key) {
    const cJSON* v = json_get(obj, name);
    if (!v) return nullptr;
    if (!cJSON_IsArray(v)) {
      fail(key, "must be an array");
      return nullptr;
    }
    return v;
  }
};

bool parse_listen(std::string_view s, WebConfig& out) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  unsigned v = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  out.port = static_cast<std::uint16_t>(v);
  return out.host.assign(s.substr(0, colon));
}

// "192.0.2.53", "192.0.2.53:5353", "2001:db8::53" or "[2001:db8::53]:5353".
bool dns_server_ok(std::string_view s) {
  std::string_view host = s, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return false;
    port = rest.substr(1);
    if (port.empty()) return false;
  } else if (s.find(':') == s.rfind(':') && s.find(':') != std::string_view::npos) {
    host = s.substr(0, s.find(':'));  // exactly one colon: IPv4 with a port
    port = s.substr(s.find(':') + 1);
    if (port.empty()) return false;
  }
  unsigned v = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9' || port.size() > 5) return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  if (!port.empty() && (v == 0 || v > 65535)) return false;
  char text[64];
  if (host.empty() || host.size() >= sizeof text) return false;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1;
}

template <std::size_t N>
void parse_dns_servers(Checker& c, const cJSON* obj, std::string_view key, FixedString<N>& out) {
  const cJSON* list = c.array(obj, "dns_servers", key);
  if (!list) return;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, list) {
    if (!cJSON_IsString(item) || !dns_server_ok(item->valuestring)) {
      c.fail(key, "entries must be IP addresses, with an optional port (\"ip:port\", \"[ipv6]:port\")");
      return;
    }
    if ((!out.empty() && !out.append(",")) || !out.append(item->valuestring)) {
      c.fail(key, "too many or too long entries");
      return;
    }
  }
}

void parse_yna(Checker& c, const cJSON* y, YnaConfig& out) {
  out.present = true;
  c.url(y, "auth_url", "yna.auth_url", out.auth_url, true, "https", "");
  c.url(y, "api_url", "yna.api_url", out.api_url, true, "https", "");
  c.url(y, "call_url", "yna.call_url", out.call_url, true, "https", "");
  c.string(y, "client_id", "yna.client_id", out.client_id, true);
  c.string(y, "client_secret", "yna.client_secret", out.client_secret, true);
  c.url(y, "redirect_uri", "yna.redirect_uri", out.redirect_uri, true, "http", "https");
  c.string(y, "pop_key_file", "yna.pop_key_file", out.pop_key_file, true);
  c.string(y, "ca_file", "yna.ca_file", out.ca_file, false);
  c.integer(y, "ping_interval_s", "yna.ping_interval_s", out.ping_interval_s, 1, 3600);
  c.integer(y, "pong_timeout_s", "yna.pong_timeout_s", out.pong_timeout_s, 1, 600);
  parse_dns_servers(c, y, "yna.dns_servers", out.dns_servers);
}

// RFC 3261 25.1: user = 1*( unreserved / escaped / user-unreserved ).
bool sip_user_ok(std::string_view u) {
  for (std::size_t i = 0; i < u.size(); ++i) {
    char ch = u[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (alnum || std::strchr("-_.!~*'()&=+$,;?/", ch) != nullptr) continue;
    auto hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'); };
    if (ch == '%' && i + 2 < u.size() && hex(u[i + 1]) && hex(u[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return !u.empty();
}

// Text that goes between double quotes in a header (display name, digest
// user name): no control characters (no header injection), no '"' or '\'.
bool quotable(std::string_view s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') return false;
  return true;
}

void parse_sip_server(Checker& c, const cJSON* s, const char* name, std::string_view key, SipServer& out,
                      bool required) {
  if (!c.string(s, name, key, out.uri, required) || out.uri.empty()) return;
  SipUriError e = parse_sip_server_uri(out.uri.view(), out.parts);
  if (e != SipUriError::kOk) c.fail(key, to_string(e));
}

bool transport_from_name(std::string_view n, SipTransportKind& out) {
  if (n == "udp") out = SipTransportKind::kUdp;
  else if (n == "tcp") out = SipTransportKind::kTcp;
  else if (n == "tls") out = SipTransportKind::kTls;
  else return false;
  return true;
}

// The transport when "transport" is absent, and the rules that tie it to the
// URIs: a sips: server is reached over TLS only, and the next hop's
// transport= parameter, when written, must agree.
void check_sip_transport(Checker& c, bool written, SipConfig& out) {
  bool via_proxy = !out.outbound_proxy.uri.empty();
  const char* hop_key = via_proxy ? "sip.outbound_proxy" : "sip.registrar";
  const SipServerUri& hop = out.next_hop().parts;
  SipTransportKind from_uri = SipTransportKind::kUdp;
  if (!hop.transport.empty() && !transport_from_name(hop.transport.view(), from_uri)) {
    c.fail(hop_key, "has a transport= parameter other than udp, tcp or tls");
    return;
  }
  if (!written) {
    if (hop.sips) out.transport = SipTransportKind::kTls;
    else if (!hop.transport.empty()) out.transport = from_uri;
  }
  if (!hop.transport.empty() && from_uri != out.transport) {
    c.fail(hop_key, "has a transport= parameter that disagrees with sip.transport");
    return;
  }
  if (out.transport != SipTransportKind::kTls) {
    if (out.registrar.parts.sips) c.fail("sip.registrar", "is a sips: URI, which needs \"transport\": \"tls\"");
    else if (via_proxy && out.outbound_proxy.parts.sips)
      c.fail("sip.outbound_proxy", "is a sips: URI, which needs \"transport\": \"tls\"");
  }
}

void parse_sip(Checker& c, const cJSON* s, SipConfig& out) {
  out.present = true;
  parse_sip_server(c, s, "registrar", "sip.registrar", out.registrar, true);
  if (c.string(s, "username", "sip.username", out.username, true) && !sip_user_ok(out.username.view()))
    c.fail("sip.username", "may hold only letters, digits, %XX escapes and -_.!~*'()&=+$,;?/");
  if (c.string(s, "auth_username", "sip.auth_username", out.auth_username, false) &&
      !quotable(out.auth_username.view()))
    c.fail("sip.auth_username", "must not contain control characters, '\"' or '\\'");
  if (out.auth_username.empty()) out.auth_username = out.username;
  c.string(s, "password", "sip.password", out.password, false);
  if (c.string(s, "display_name", "sip.display_name", out.display_name, false) &&
      !quotable(out.display_name.view()))
    c.fail("sip.display_name", "must not contain control characters, '\"' or '\\'");
  FixedString<16> name;
  bool written = json_get(s, "transport") != nullptr;
  if (c.string(s, "transport", "sip.transport", name, false) && written &&
      !transport_from_name(name.view(), out.transport))
    c.fail("sip.transport", "must be \"udp\", \"tcp\" or \"tls\"");
  parse_sip_server(c, s, "outbound_proxy", "sip.outbound_proxy", out.outbound_proxy, false);
  c.integer(s, "expires_s", "sip.expires_s", out.expires_s, 1, 86400);
  c.integer(s, "keepalive_s", "sip.keepalive_s", out.keepalive_s, 1, 3600);
  c.string(s, "ca_file", "sip.ca_file", out.ca_file, false);
  name.clear();
  if (c.string(s, "media", "sip.media", name, false) && json_get(s, "media")) {
    if (name == "rtp") out.media = SipMedia::kRtp;
    else if (name == "sdes") out.media = SipMedia::kSdes;
    else if (name == "dtls") out.media = SipMedia::kDtls;
    else if (name == "auto") out.media = SipMedia::kAuto;
    else c.fail("sip.media", "must be \"rtp\", \"sdes\", \"dtls\" or \"auto\"");
  }
  parse_dns_servers(c, s, "sip.dns_servers", out.dns_servers);
  if (c.failed) return;
  check_sip_transport(c, written, out);
  // Default ports (RFC 3261 19.1.2): 5061 for TLS, 5060 otherwise.
  for (SipServer* server : {&out.registrar, &out.outbound_proxy}) {
    if (server->uri.empty() || server->parts.port != 0) continue;
    bool tls = server->parts.sips || (server == &out.next_hop() && out.transport == SipTransportKind::kTls);
    server->parts.port = tls ? 5061 : 5060;
  }
}

void parse_outgoing_line(Checker& c, const cJSON* root, Config& out) {
  if (c.failed) return;
  if (json_get(root, "outgoing_line")) {
    FixedString<16> name;
    if (!c.string(root, "outgoing_line", "outgoing_line", name, false)) return;
    if (name == "yna") out.outgoing_line = LineKind::kYna;
    else if (name == "sip") out.outgoing_line = LineKind::kSip;
    else {
      c.fail("outgoing_line", "must be \"yna\" or \"sip\"");
      return;
    }
    if ((out.outgoing_line == LineKind::kYna && !out.yna.present) ||
        (out.outgoing_line == LineKind::kSip && !out.sip.present))
      c.fail("outgoing_line", "names a line that is not configured");
    return;
  }
  out.outgoing_line = out.yna.present ? LineKind::kYna : out.sip.present ? LineKind::kSip : LineKind::kNone;
}

bool e164_ok(std::string_view n) {
  if (n.size() < 3 || n.size() > 16 || n[0] != '+' || n[1] == '0') return false;
  for (char ch : n.substr(1))
    if (ch < '0' || ch > '9') return false;
  return true;
}

void parse_kazoo(Checker& c, const cJSON* k, KazooConfig& out) {
  out.present = true;
  c.url(k, "api_url", "kazoo.api_url", out.api_url, true, "https", "");
  c.string(k, "account_id", "kazoo.account_id", out.account_id, true);
  c.string(k, "api_key", "kazoo.api_key", out.api_key, true);
  if (c.string(k, "number", "kazoo.number", out.number, true) && !e164_ok(out.number.view()))
    c.fail("kazoo.number", "must be an E.164 number: + and 2 to 15 digits, e.g. +14155550100");
  c.string(k, "ca_file", "kazoo.ca_file", out.ca_file, false);
}

void parse_jambonz(Checker& c, const cJSON* j, JambonzConfig& out) {
  out.present = true;
  c.url(j, "api_url", "jambonz.api_url", out.api_url, true, "https", "");
  c.string(j, "account_sid", "jambonz.account_sid", out.account_sid, true);
  c.string(j, "api_key", "jambonz.api_key", out.api_key, true);
  c.string(j, "click_to_call_app", "jambonz.click_to_call_app", out.click_to_call_app, false);
  c.string(j, "ca_file", "jambonz.ca_file", out.ca_file, false);
}

void parse_ice(Checker& c, const cJSON* ice, IceConfig& out) {
  if (const cJSON* stun = c.array(ice, "stun", "ice.stun")) {
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, stun) {
      Url u;
      if (!cJSON_IsString(item)) { c.fail("ice.stun", "entries must be strings (stun:host:port)"); return; }
      if (std::strncmp(item->valuestring, "stun:", 5) != 0) { c.fail("ice.stun", "entries must start with stun:"); return; }
      if (!u.assign(item->valuestring) || !out.stun.push_back(u)) { c.fail("ice.stun", "too many or too long entries"); return; }
    }
  }
  if (const cJSON* turn = c.array(ice, "turn", "ice.turn")) {
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, turn) {
      TurnServer t;
      if (!cJSON_IsObject(item)) { c.fail("ice.turn", "entries must be objects {url, username, credential}"); return; }
      if (!c.string(item, "url", "ice.turn.url", t.url, true)) return;
      if (std::strncmp(t.url.c_str(), "turn:", 5) != 0 && std::strncmp(t.url.c_str(), "turns:", 6) != 0) {
        c.fail("ice.turn.url", "must start with turn: or turns:");
        return;
      }
      if (!c.string(item, "username", "ice.turn.username", t.username, true)) return;
      if (!c.string(item, "credential", "ice.turn.credential", t.credential, true)) return;
      if (!out.turn.push_back(t)) { c.fail("ice.turn", "too many entries (at most 4)"); return; }
    }
  }
  if (const cJSON* hosts = c.array(ice, "host_addresses", "ice.host_addresses")) {
    out.host_addresses_set = true;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, hosts) {
      FixedString<64> a;
      if (!cJSON_IsString(item) || !a.assign(item->valuestring) || a.empty()) {
        c.fail("ice.host_addresses", "entries must be IP address strings");
        return;
      }
      if (!out.host_addresses.push_back(a)) { c.fail("ice.host_addresses", "too many entries (at most 8)"); return; }
    }
  }
}

void parse_audio(Checker& c, const cJSON* a, AudioConfig& out) {
  FixedString<16> backend;
  if (!c.string(a, "backend", "audio.backend", backend, true)) return;
  if (backend == "file") out.backend = AudioBackend::kFile;
  else if (backend == "alsa") out.backend = AudioBackend::kAlsa;
  else { c.fail("audio.backend", "must be \"file\" or \"alsa\""); return; }
  c.string(a, "capture", "audio.capture", out.capture, true);
  c.string(a, "playback", "audio.playback", out.playback, true);
}

}  // namespace

const char* to_string(SipTransportKind t) {
  switch (t) {
    case SipTransportKind::kUdp: return "udp";
    case SipTransportKind::kTcp: return "tcp";
    case SipTransportKind::kTls: return "tls";
  }
  return "?";
}

const char* to_string(SipMedia m) {
  switch (m) {
    case SipMedia::kRtp: return "rtp";
    case SipMedia::kSdes: return "sdes";
    case SipMedia::kDtls: return "dtls";
    case SipMedia::kAuto: return "auto";
  }
  return "?";
}

const char* to_string(LineKind k) {
  switch (k) {
    case LineKind::kNone: return "";
    case LineKind::kYna: return "yna";
    case LineKind::kSip: return "sip";
  }
  return "?";
}

bool parse_config(std::string_view json, Config& out, ConfigError& err) {
  out = Config{};
  Checker c{err};
  JsonDocument doc(json);
  if (!doc.ok()) return c.fail("", doc.out_of_memory() ? "file is too large to parse" : "is not valid JSON");
  const cJSON* root = doc.root();
  if (!cJSON_IsObject(root)) return c.fail("", "top level must be a JSON object");

  c.string(root, "board", "board", out.board, true);
  c.string(root, "state_dir", "state_dir", out.state_dir, true);
  c.string(root, "log_level", "log_level", out.log_level, false);
  if (!c.failed && !(out.log_level == "debug" || out.log_level == "info" || out.log_level == "warn" ||
                     out.log_level == "error"))
    c.fail("log_level", "must be one of debug, info, warn, error");
  c.boolean(root, "call_waiting", "call_waiting", out.call_waiting);
  if (const cJSON* y = c.object(root, "yna", "yna")) parse_yna(c, y, out.yna);
  if (const cJSON* sip = c.object(root, "sip", "sip")) parse_sip(c, sip, out.sip);
  parse_outgoing_line(c, root, out);
  if (const cJSON* k = c.object(root, "kazoo", "kazoo")) parse_kazoo(c, k, out.kazoo);
  if (const cJSON* j = c.object(root, "jambonz", "jambonz")) parse_jambonz(c, j, out.jambonz);
  if (const cJSON* i = c.object(root, "ice", "ice")) parse_ice(c, i, out.ice);
  if (const cJSON* a = c.object(root, "audio", "audio")) parse_audio(c, a, out.audio);
  else if (!c.failed) c.fail("audio", "is required");
  if (const cJSON* w = c.object(root, "web", "web")) {
    FixedString<96> listen;
    if (c.string(w, "listen", "web.listen", listen, false) && !listen.empty() && !parse_listen(listen, out.web))
      c.fail("web.listen", "must be host:port");
  }
  return !c.failed;
}

bool load_config(const char* path, Config& out, ConfigError& err) {
  static char buf[limits::kConfigFileMax];
  long n = read_file(path, buf);
  if (n < 0) {
    err.key.clear();
    char msg[192];
    std::snprintf(msg, sizeof msg, "cannot read %s: %s", path,
                  errno == EFBIG ? "larger than 64 KiB" : std::strerror(errno));
    err.message.assign(msg);
    return false;
  }
  return parse_config(std::string_view(buf, static_cast<std::size_t>(n)), out, err);
}

}  // namespace dialtone::config
