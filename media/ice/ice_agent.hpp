// Full ICE (RFC 8445, libnice in RFC 5245 compatibility as WebRTC uses it)
// for one audio stream with one component (rtcp-mux + BUNDLE).
//
// The agent lives on a GMainContext that our EventLoop pumps
// (EventLoop::attach_glib): no GLib thread, no g_main_loop_run. Every
// callback below runs on the loop's thread, from inside that pump.
//
// Life of a call:
//   start(config)            -> gathers; on_gathering_done once all host,
//                               server-reflexive and relayed candidates exist
//   local_ufrag/pwd/candidates() -> go into our SDP
//   set_remote(ufrag, pwd, candidate lines) from the peer's SDP
//   on_selected_pair / on_state(kConnected) -> DTLS may start
//   send() / on_datagram    -> payload datagrams on the selected pair
//   restart()               -> new local credentials; set_remote() again
//   close()                 -> releases TURN allocations (close_async)
//
// STUN/TURN servers must be IP literals: a host name would make libnice ask
// GResolver, which resolves in worker threads (gio/gthreadedresolver.c).
// Resolve names before building the config (firmware/ does that).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"

typedef struct _GMainContext GMainContext;
typedef struct _GSource GSource;
typedef struct _NiceAgent NiceAgent;

namespace dialtone::media {

using IpString = FixedString<limits::kIceAddressMax>;
using CandidateLine = FixedString<limits::kIceCandidateLineMax>;
using IceCredential = FixedString<limits::kIceUfragPwdMax>;

struct IceServerConfig {
  IpString ip;             // IP literal only (see above); empty = not configured
  std::uint16_t port = 3478;
  FixedString<limits::kTurnCredentialMax> username;  // TURN only
  FixedString<limits::kTurnCredentialMax> password;  // TURN only
  bool configured() const { return !ip.empty(); }
};

struct IceConfig {
  // ice.host_addresses: the exact list of local addresses to gather host
  // candidates on (loopback included when listed). Empty: every non-loopback
  // interface, as libnice does by default.
  FixedVector<IpString, limits::kIceHostAddressesMax> host_addresses;
  IceServerConfig stun;  // ice.stun
  IceServerConfig turn;  // ice.turn (UDP)
  bool controlling = false;  // offerer: controlling; answerer: controlled
  // Only relayed candidates are used (libnice "force-relay"): privacy, and
  // the way tests force a path through TURN.
  bool relay_only = false;
  // RFC 7675 consent freshness. See ice_agent.cpp for libnice 0.1.21's 10 s.
  bool consent_freshness = true;
};

enum class IceState { kNew, kGathering, kChecking, kConnected, kFailed, kClosed };
const char* to_string(IceState s);

enum class CandidateType { kHost, kServerReflexive, kPeerReflexive, kRelayed };
const char* to_string(CandidateType t);

class IceAgent {
 public:
  struct Callbacks {
    InplaceFunction<void(), 32> on_gathering_done;
    InplaceFunction<void(IceState), 32> on_state;
    // The pair in use changed (first one: the path is usable, start DTLS).
    InplaceFunction<void(CandidateType local, CandidateType remote), 32> on_selected_pair;
    // A datagram from the peer (DTLS, SRTP or SRTCP; STUN stays inside libnice).
    InplaceFunction<void(std::span<const std::uint8_t>), 32> on_datagram;
  };

  explicit IceAgent(GMainContext* ctx);
  ~IceAgent();  // close()s if needed
  IceAgent(const IceAgent&) = delete;
  IceAgent& operator=(const IceAgent&) = delete;

  // Creates the libnice agent and starts gathering. False (logged) on a bad
  // config (non-literal server address, too many addresses) or libnice error.
  bool start(const IceConfig& config, Callbacks callbacks);

  // Valid after on_gathering_done (and again after restart()).
  std::string_view local_ufrag() const { return local_ufrag_.view(); }
  std::string_view local_pwd() const { return local_pwd_.view(); }
  // "a=candidate:..." lines, without CRLF.
  std::span<const CandidateLine> local_candidates() const { return local_candidates_.span(); }

  // Remote side from the peer's SDP: credentials first, then candidates
  // ("a=candidate:..." or "candidate:..."; unusable ones (TCP, mDNS names,
  // component 2) are skipped). Returns false if no credentials or nothing usable.
  bool set_remote(std::string_view ufrag, std::string_view pwd,
                  std::span<const std::string_view> candidate_lines);
  // A trickled candidate after set_remote().
  bool add_remote_candidate(std::string_view line);
  // The role can still change until set_remote() (e.g. the peer is ice-lite).
  void set_controlling(bool controlling);

  // ICE restart: new local ufrag/pwd (candidates are kept; on_gathering_done
  // fires again before this returns, so the new SDP can be produced); the
  // remote side is forgotten until set_remote() is called again.
  bool restart();

  // Sends one datagram on the selected pair. False if no pair yet or error.
  bool send(std::span<const std::uint8_t> datagram);

  // Releases the agent: TURN allocations are freed via nice_agent_close_async
  // and the GObject is unreffed when that completes on our context.
  void close();

  // The descriptor of the selected pair's local socket, where the media
  // arrives; -1 without a pair, and for a relayed or TCP local candidate
  // (libnice 0.1.21's nice_agent_get_selected_socket gives none for those).
  int selected_fd() const;
  // The media socket is read at the audio tick (MediaTransport::read_queued):
  // reception then stays attached while `fd` still has a datagram queued,
  // so one dispatch reads them all and the last read does not fail. -1: off.
  void set_tick_fd(int fd) { tick_fd_ = fd; }

  IceState state() const { return state_; }
  bool has_selected_pair() const { return has_pair_; }
  CandidateType selected_local_type() const { return pair_local_; }
  CandidateType selected_remote_type() const { return pair_remote_; }

 private:
  static void on_gathering_done_cb(NiceAgent*, unsigned stream, void* self);
  static void on_state_cb(NiceAgent*, unsigned stream, unsigned component, unsigned state, void* self);
  static void on_pair_cb(NiceAgent*, unsigned stream, unsigned component, void* lcand, void* rcand,
                         void* self);
  static void on_recv_cb(NiceAgent*, unsigned stream, unsigned component, unsigned len, char* buf,
                         void* self);
  // GSourceFuncs.prepare of resume_source_ (gboolean and gint are int).
  static int on_resume_prepare(GSource* source, int* timeout);
  void pause_reception();
  bool more_queued_at_tick() const;
  void resume_reception();
  void export_local();
  void set_state(IceState s);
  bool add_remote_line(std::string_view line, void** list);

  GMainContext* ctx_;
  NiceAgent* agent_ = nullptr;
  // Reception is paused after each datagram and resumed by this source
  // before the context polls again (ice_agent.cpp, on_recv_cb).
  GSource* resume_source_ = nullptr;
  bool reception_paused_ = false;
  int tick_fd_ = -1;
  unsigned stream_ = 0;
  Callbacks cb_;
  IceState state_ = IceState::kNew;
  bool has_pair_ = false;
  bool remote_set_ = false;
  bool relay_only_ = false;
  CandidateType pair_local_ = CandidateType::kHost;
  CandidateType pair_remote_ = CandidateType::kHost;
  IceCredential local_ufrag_;
  IceCredential local_pwd_;
  FixedVector<CandidateLine, limits::kIceCandidatesMax> local_candidates_;
};

}  // namespace dialtone::media
