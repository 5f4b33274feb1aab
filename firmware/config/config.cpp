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

void parse_dns_servers(Checker& c, const cJSON* y, YnaConfig& out) {
  const cJSON* list = c.array(y, "dns_servers", "yna.dns_servers");
  if (!list) return;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, list) {
    if (!cJSON_IsString(item) || !dns_server_ok(item->valuestring)) {
      c.fail("yna.dns_servers", "entries must be IP addresses, with an optional port (\"ip:port\", \"[ipv6]:port\")");
      return;
    }
    if ((!out.dns_servers.empty() && !out.dns_servers.append(",")) || !out.dns_servers.append(item->valuestring)) {
      c.fail("yna.dns_servers", "too many or too long entries");
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
  parse_dns_servers(c, y, out);
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

void parse_sip(Checker& c, const cJSON* j, SipConfig& out) {
  out.present = true;
  if (c.string(j, "registrar", "sip.registrar", out.registrar, true)) {
    FixedString<limits::kPeerMax> probe;
    if (!out.user_at_realm(probe) && !c.failed) c.fail("sip.registrar", "must be a sip: or sips: URI with a host");
  }
  c.string(j, "username", "sip.username", out.username, true);
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

bool SipConfig::user_at_realm(FixedString<limits::kPeerMax>& out) const {
  std::string_view r = registrar.view();
  if (r.starts_with("sips:")) r.remove_prefix(5);
  else if (r.starts_with("sip:")) r.remove_prefix(4);
  else return false;
  if (auto at = r.find('@'); at != std::string_view::npos) r.remove_prefix(at + 1);
  // The host ends at a port, parameters or headers.
  std::size_t end = r.find_first_of(":;?>");
  if (!r.empty() && r.front() == '[') end = r.find(']') == std::string_view::npos ? 0 : r.find(']') + 1;
  std::string_view host = r.substr(0, end);
  if (host.empty()) return false;
  out.clear();
  return out.append(username.view()) && out.push_back('@') && out.append(host);
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
  if (const cJSON* k = c.object(root, "kazoo", "kazoo")) parse_kazoo(c, k, out.kazoo);
  if (const cJSON* j = c.object(root, "jambonz", "jambonz")) parse_jambonz(c, j, out.jambonz);
  if (const cJSON* s = c.object(root, "sip", "sip")) parse_sip(c, s, out.sip);
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
