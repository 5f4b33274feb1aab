// The agent's configuration (spec/device-control.md), read once at start-up
// into fixed storage. A malformed file is refused with the offending key and
// the reason, so a person fixing it knows exactly where to look.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/config/sip_server_uri.hpp"

namespace dialtone::config {

using Path = FixedString<limits::kPathMax>;
using Url = FixedString<limits::kUrlMax>;
using ShortText = FixedString<128>;

struct YnaConfig {
  bool present = false;
  Url auth_url, api_url, call_url, redirect_uri;
  ShortText client_id;
  FixedString<256> client_secret;
  Path pop_key_file;
  Path ca_file;  // empty: the system bundle
  // DNS servers for the network's host names, as "ip[:port],..." (c-ares'
  // list form); empty: the system's (/etc/resolv.conf). From the optional
  // array yna.dns_servers, e.g. ["127.0.0.1:5353"] for a test resolver.
  FixedString<160> dns_servers;
  int ping_interval_s = 30;
  int pong_timeout_s = 10;
};

enum class SipTransportKind : std::uint8_t { kUdp, kTcp, kTls };
enum class SipMedia : std::uint8_t { kRtp, kSdes, kDtls, kAuto };
const char* to_string(SipTransportKind t);  // "udp", "tcp", "tls"
const char* to_string(SipMedia m);          // "rtp", "sdes", "dtls", "auto"

// A server of the SIP line: the URI as written (what goes into the
// Request-URI or the Route) and where the transport sends.
struct SipServer {
  Url uri;            // empty: not configured (outbound_proxy only)
  SipServerUri parts; // parts.port: the written port, or the transport's
                      // default (5060; 5061 for TLS) once the config is read
};

// sip-line.md section 1. The password is a secret: never logged nor shown.
struct SipConfig {
  bool present = false;
  SipServer registrar;          // its host is the realm: the AOR is sip:username@host
  SipServer outbound_proxy;     // when set, every request is sent here
  FixedString<64> username;     // the user part of the AOR (RFC 3261 user characters)
  FixedString<64> auth_username;  // defaults to username
  FixedString<256> password;    // empty: no credentials (a challenge then fails)
  FixedString<limits::kPeerNameMax> display_name;
  // Absent: tls for a sips: server, else the URI's transport= parameter,
  // else udp.
  SipTransportKind transport = SipTransportKind::kUdp;
  int expires_s = 600;
  int keepalive_s = 25;
  Path ca_file;                 // empty: the system bundle (tls only)
  SipMedia media = SipMedia::kAuto;
  // As yna.dns_servers, from the optional array sip.dns_servers.
  FixedString<160> dns_servers;

  // Where requests go: the outbound proxy when there is one, else the registrar.
  const SipServer& next_hop() const { return outbound_proxy.uri.empty() ? registrar : outbound_proxy; }
};

enum class LineKind : std::uint8_t { kNone, kYna, kSip };
const char* to_string(LineKind k);  // "", "yna", "sip"

// services.md section 1. api_key is a secret: never logged nor shown.
struct KazooConfig {
  bool present = false;
  Url api_url;  // https://host[:port]/v2
  ShortText account_id;
  FixedString<256> api_key;
  FixedString<32> number;  // E.164, "+" and digits
  Path ca_file;  // empty: the system bundle
};

struct JambonzConfig {
  bool present = false;
  Url api_url;  // https://host/v1
  ShortText account_sid;
  FixedString<256> api_key;
  ShortText click_to_call_app;
  Path ca_file;  // empty: the system bundle
};

struct TurnServer {
  Url url;
  ShortText username;
  ShortText credential;
};

struct IceConfig {
  FixedVector<Url, 4> stun;
  FixedVector<TurnServer, 4> turn;
  bool host_addresses_set = false;  // absent: every non-loopback interface
  FixedVector<FixedString<64>, 8> host_addresses;
};

enum class AudioBackend { kFile, kAlsa };

struct AudioConfig {
  AudioBackend backend = AudioBackend::kFile;
  Path capture;   // WAV path or ALSA device name
  Path playback;  // WAV path or ALSA device name
};

struct WebConfig {
  FixedString<64> host{"127.0.0.1"};
  std::uint16_t port = 8080;
};

struct Config {
  ShortText board;
  Path state_dir;
  YnaConfig yna;
  SipConfig sip;
  // The line dialled from the handset: `outgoing_line`, or the first line
  // configured (yna before sip); kNone when there is no line.
  LineKind outgoing_line = LineKind::kNone;
  KazooConfig kazoo;
  JambonzConfig jambonz;
  IceConfig ice;
  AudioConfig audio;
  WebConfig web;
  ShortText log_level{"info"};
  bool call_waiting = true;  // false: a second caller during a call hears busy
};

struct ConfigError {
  FixedString<64> key;        // dotted path, e.g. "yna.ping_interval_s"
  FixedString<192> message;   // what is wrong with it
};

// Parses the JSON text. On failure returns false and fills `err`.
bool parse_config(std::string_view json, Config& out, ConfigError& err);
// Reads and parses a file; a missing or unreadable file is an error with key "".
bool load_config(const char* path, Config& out, ConfigError& err);

}  // namespace dialtone::config
