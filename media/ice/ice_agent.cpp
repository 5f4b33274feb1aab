#include "media/ice/ice_agent.hpp"

#include <arpa/inet.h>
#include <nice/agent.h>
#include <sys/ioctl.h>

#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::media {

namespace {

constexpr const char* kMod = "ice";

bool is_ip_literal(const char* s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

CandidateType to_type(const NiceCandidate* c) {
  switch (c->type) {
    case NICE_CANDIDATE_TYPE_HOST: return CandidateType::kHost;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return CandidateType::kServerReflexive;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return CandidateType::kPeerReflexive;
    case NICE_CANDIDATE_TYPE_RELAYED: return CandidateType::kRelayed;
  }
  return CandidateType::kHost;
}

// GAsyncReadyCallback for nice_agent_close_async: the TURN allocations are
// released, the agent can go.
void close_done(GObject* agent, GAsyncResult*, gpointer) { g_object_unref(agent); }

// The source that resumes reception: never ready, its prepare() is what
// runs, at the start of each round of the context.
struct ResumeSource {
  GSource base;
  IceAgent* agent;
};
gboolean resume_check(GSource*) { return FALSE; }
gboolean resume_dispatch(GSource*, GSourceFunc, gpointer) { return G_SOURCE_CONTINUE; }

}  // namespace

const char* to_string(IceState s) {
  switch (s) {
    case IceState::kNew: return "new";
    case IceState::kGathering: return "gathering";
    case IceState::kChecking: return "checking";
    case IceState::kConnected: return "connected";
    case IceState::kFailed: return "failed";
    case IceState::kClosed: return "closed";
  }
  return "?";
}

const char* to_string(CandidateType t) {
  switch (t) {
    case CandidateType::kHost: return "host";
    case CandidateType::kServerReflexive: return "srflx";
    case CandidateType::kPeerReflexive: return "prflx";
    case CandidateType::kRelayed: return "relay";
  }
  return "?";
}

IceAgent::IceAgent(GMainContext* ctx) : ctx_(ctx) {}

IceAgent::~IceAgent() { close(); }

bool IceAgent::start(const IceConfig& config, Callbacks callbacks) {
  if (agent_) {
    DT_LOGE(kMod, "start: agent already running");
    return false;
  }
  for (const IceServerConfig* s : {&config.stun, &config.turn}) {
    if (s->configured() && !is_ip_literal(s->ip.c_str())) {
      // A name would go through GResolver and its worker threads.
      DT_LOGE(kMod, "server '%s' is not an IP literal; resolve it before starting ICE", s->ip.c_str());
      return false;
    }
  }
  cb_ = std::move(callbacks);

  // Consent freshness (RFC 7675): libnice 0.1.21 sends a consent check every
  // 4-6 s on the selected pair and declares consent lost 10 s after the last
  // response (0.1.22 raised it to 30 s, libnice f456747e). A peer that answers
  // every check (aioice does, within ms) keeps the call alive indefinitely;
  // one lost check response is survivable, two in a row are not. That is
  // stricter than RFC 7675's 30 s, but only earlier on really lossy paths;
  // the 20 s aiortc test (transport_aiortc_test) shows long calls survive.
  unsigned flags = config.consent_freshness ? NICE_AGENT_OPTION_CONSENT_FRESHNESS : 0;
  agent_ = nice_agent_new_full(ctx_, NICE_COMPATIBILITY_RFC5245, static_cast<NiceAgentOption>(flags));
  if (!agent_) {
    DT_LOGE(kMod, "nice_agent_new_full failed");
    return false;
  }
  g_object_set(agent_, "controlling-mode", config.controlling ? TRUE : FALSE, "ice-tcp", FALSE,
               "ice-udp", TRUE, "upnp", FALSE, "force-relay", config.relay_only ? TRUE : FALSE,
               nullptr);
  if (config.stun.configured())
    g_object_set(agent_, "stun-server", config.stun.ip.c_str(), "stun-server-port",
                 static_cast<guint>(config.stun.port), nullptr);

  for (const IpString& ip : config.host_addresses) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, ip.c_str())) {
      DT_LOGE(kMod, "ice.host_addresses: '%s' is not an IP address", ip.c_str());
      close();
      return false;
    }
    nice_agent_add_local_address(agent_, &addr);
  }

  stream_ = nice_agent_add_stream(agent_, 1);
  if (stream_ == 0) {
    DT_LOGE(kMod, "nice_agent_add_stream failed");
    close();
    return false;
  }
  if (config.turn.configured() &&
      !nice_agent_set_relay_info(agent_, stream_, 1, config.turn.ip.c_str(), config.turn.port,
                                 config.turn.username.c_str(), config.turn.password.c_str(),
                                 NICE_RELAY_TYPE_TURN_UDP)) {
    DT_LOGE(kMod, "nice_agent_set_relay_info failed");
    close();
    return false;
  }
  if (config.relay_only && !config.turn.configured())
    DT_LOGW(kMod, "relay_only without ice.turn: there will be no usable candidate");

  static GSourceFuncs resume_funcs = {on_resume_prepare, resume_check, resume_dispatch, nullptr, nullptr, nullptr};
  resume_source_ = g_source_new(&resume_funcs, sizeof(ResumeSource));
  reinterpret_cast<ResumeSource*>(resume_source_)->agent = this;
  // First among the sources: GLib stops preparing lower priorities once one
  // is ready, and reception must resume before any socket is polled.
  g_source_set_priority(resume_source_, G_PRIORITY_HIGH);
  g_source_attach(resume_source_, ctx_);

  g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(on_gathering_done_cb), this);
  g_signal_connect(agent_, "component-state-changed", G_CALLBACK(on_state_cb), this);
  g_signal_connect(agent_, "new-selected-pair-full", G_CALLBACK(on_pair_cb), this);
  nice_agent_attach_recv(agent_, stream_, 1, ctx_, reinterpret_cast<NiceAgentRecvFunc>(on_recv_cb),
                         this);

  relay_only_ = config.relay_only;
  set_state(IceState::kGathering);
  if (!nice_agent_gather_candidates(agent_, stream_)) {
    DT_LOGE(kMod, "nice_agent_gather_candidates failed (no usable local address?)");
    close();
    return false;
  }
  return true;
}

void IceAgent::set_controlling(bool controlling) {
  if (agent_) g_object_set(agent_, "controlling-mode", controlling ? TRUE : FALSE, nullptr);
}

void IceAgent::export_local() {
  // libnice makes the local ufrag and pwd itself, when the stream is added
  // and on every restart, from its own generator (GLib's PRNG, seeded from
  // the kernel); we read them and never set them. So ICE credentials are the
  // one random value not drawn from firmware/core/random.hpp: they only
  // authenticate connectivity checks, and DTLS (fingerprint-checked) protects
  // the media keys whatever they are.
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  if (nice_agent_get_local_credentials(agent_, stream_, &ufrag, &pwd)) {
    local_ufrag_.assign(ufrag);
    local_pwd_.assign(pwd);
  }
  g_free(ufrag);
  g_free(pwd);

  local_candidates_.clear();
  GSList* list = nice_agent_get_local_candidates(agent_, stream_, 1);
  for (GSList* i = list; i; i = i->next) {
    auto* c = static_cast<NiceCandidate*>(i->data);
    if (relay_only_ && c->type != NICE_CANDIDATE_TYPE_RELAYED) continue;
    gchar* line = nice_agent_generate_local_candidate_sdp(agent_, c);
    CandidateLine l;
    if (line && l.assign(line) && !local_candidates_.push_back(l))
      DT_LOGW(kMod, "more than %zu local candidates; extra ones left out", limits::kIceCandidatesMax);
    g_free(line);
  }
  g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
}

void IceAgent::on_gathering_done_cb(NiceAgent*, unsigned, void* p) {
  auto* self = static_cast<IceAgent*>(p);
  self->export_local();
  DT_LOGI(kMod, "gathering done: %zu candidates", self->local_candidates_.size());
  if (self->state_ == IceState::kGathering) self->set_state(IceState::kNew);
  if (self->cb_.on_gathering_done) self->cb_.on_gathering_done();
}

void IceAgent::set_state(IceState s) {
  if (s == state_) return;
  DT_LOGD(kMod, "state %s -> %s", to_string(state_), to_string(s));
  state_ = s;
  if (cb_.on_state) cb_.on_state(s);
}

void IceAgent::on_state_cb(NiceAgent*, unsigned, unsigned component, unsigned state, void* p) {
  auto* self = static_cast<IceAgent*>(p);
  if (component != 1) return;
  switch (static_cast<NiceComponentState>(state)) {
    case NICE_COMPONENT_STATE_CONNECTING:
      self->set_state(IceState::kChecking);
      break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
      self->set_state(IceState::kConnected);
      break;
    case NICE_COMPONENT_STATE_FAILED:
      // Without trickle all remote candidates are known before checks
      // start, so FAILED is final for this set of credentials (consent loss
      // also ends here); only restart() with new ones can leave it.
      self->has_pair_ = false;
      self->set_state(IceState::kFailed);
      break;
    case NICE_COMPONENT_STATE_DISCONNECTED:
    case NICE_COMPONENT_STATE_GATHERING:
    case NICE_COMPONENT_STATE_LAST:
      break;
  }
}

void IceAgent::on_pair_cb(NiceAgent*, unsigned, unsigned component, void* l, void* r, void* p) {
  auto* self = static_cast<IceAgent*>(p);
  if (component != 1) return;
  self->has_pair_ = true;
  self->pair_local_ = to_type(static_cast<NiceCandidate*>(l));
  self->pair_remote_ = to_type(static_cast<NiceCandidate*>(r));
  DT_LOGI(kMod, "selected pair %s -> %s", to_string(self->pair_local_), to_string(self->pair_remote_));
  if (self->cb_.on_selected_pair) self->cb_.on_selected_pair(self->pair_local_, self->pair_remote_);
}

void IceAgent::on_recv_cb(NiceAgent*, unsigned, unsigned component, unsigned len, char* buf,
                          void* p) {
  auto* self = static_cast<IceAgent*>(p);
  // We are inside the dispatch of libnice's socket source. GLib blocks a
  // source around its dispatch unless it may recurse, and blocking a source
  // with a descriptor removes and re-adds its poll record, each time writing
  // the context's wake-up eventfd: two writes per packet, and one more poll
  // round or read to consume them. Nothing on this context iterates it from
  // inside a callback (no blocking nice_agent_recv, one thread), so the
  // socket sources may recurse and the writes go away. libnice offers no
  // handle on its sources; this callback is where one is current.
  if (GSource* source = g_main_current_source(); source && !g_source_get_can_recurse(source))
    g_source_set_can_recurse(source, TRUE);
  // libnice reads a socket until it would block, so every datagram costs a
  // second recvmsg that fails with EAGAIN, and GLib allocates and frees a
  // GError for that failure (two heap calls). Pausing reception here ends
  // libnice's read loop after this datagram (component_io_cb checks for a
  // callback before each read, so nothing is read and dropped); the resume
  // source attaches it again before the context polls, and poll reports a
  // datagram still queued. Done before the datagram is handed on, while the
  // agent surely lives: the handler may close it.
  //
  // When the media socket is read at the audio tick, reception stays
  // attached while another datagram is queued there (FIONREAD: the size of
  // the next one, 0 when none), so the tick's single dispatch reads them
  // all and stops before the read that would fail.
  if (!self->more_queued_at_tick()) self->pause_reception();
  if (component != 1 || !self->cb_.on_datagram) return;
  self->cb_.on_datagram({reinterpret_cast<const std::uint8_t*>(buf), len});
}

bool IceAgent::more_queued_at_tick() const {
  if (tick_fd_ < 0) return false;
  int next = 0;
  return ::ioctl(tick_fd_, FIONREAD, &next) == 0 && next > 0;
}

int IceAgent::selected_fd() const {
  if (!agent_ || !has_pair_) return -1;
  // A reference to the socket (no copy); the descriptor outlives it as long
  // as the pair's local candidate does.
  GSocket* socket = nice_agent_get_selected_socket(agent_, stream_, 1);
  if (!socket) return -1;
  const int fd = g_socket_get_fd(socket);
  g_object_unref(socket);
  return fd;
}

void IceAgent::pause_reception() {
  if (reception_paused_ || !agent_ || !resume_source_) return;
  nice_agent_attach_recv(agent_, stream_, 1, ctx_, nullptr, nullptr);
  reception_paused_ = true;
}

void IceAgent::resume_reception() {
  if (!reception_paused_) return;
  reception_paused_ = false;
  if (agent_ && stream_)
    nice_agent_attach_recv(agent_, stream_, 1, ctx_, reinterpret_cast<NiceAgentRecvFunc>(on_recv_cb), this);
}

int IceAgent::on_resume_prepare(GSource* source, int* timeout) {
  *timeout = -1;
  if (IceAgent* self = reinterpret_cast<ResumeSource*>(source)->agent) self->resume_reception();
  return FALSE;
}

bool IceAgent::add_remote_line(std::string_view line, void** list) {
  // libnice parses "a=candidate:..."; SDP lines may come without the "a=".
  char buf[limits::kIceCandidateLineMax + 3];
  constexpr std::string_view kA = "a=";
  std::size_t off = 0;
  if (line.substr(0, 10) == "candidate:") {
    std::memcpy(buf, kA.data(), kA.size());
    off = kA.size();
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.size() + off >= sizeof(buf)) return false;
  std::memcpy(buf + off, line.data(), line.size());
  buf[off + line.size()] = '\0';
  NiceCandidate* c = nice_agent_parse_remote_candidate_sdp(agent_, stream_, buf);
  if (!c) {
    DT_LOGD(kMod, "remote candidate skipped (unparsable, e.g. an mDNS name): %s", buf);
    return false;
  }
  if (c->component_id != 1 || c->transport != NICE_CANDIDATE_TRANSPORT_UDP) {
    nice_candidate_free(c);
    return false;
  }
  *list = g_slist_append(static_cast<GSList*>(*list), c);
  return true;
}

bool IceAgent::set_remote(std::string_view ufrag, std::string_view pwd,
                          std::span<const std::string_view> candidate_lines) {
  if (!agent_) return false;
  IceCredential u, p;
  if (ufrag.empty() || pwd.empty() || !u.assign(ufrag) || !p.assign(pwd)) {
    DT_LOGE(kMod, "remote ICE credentials missing or too long");
    return false;
  }
  // After nice_agent_restart_stream the remote credentials are gone, so they
  // are always (re)set here, before the candidates.
  if (!nice_agent_set_remote_credentials(agent_, stream_, u.c_str(), p.c_str())) {
    DT_LOGE(kMod, "nice_agent_set_remote_credentials failed");
    return false;
  }
  remote_set_ = true;
  void* list = nullptr;
  for (std::string_view line : candidate_lines) add_remote_line(line, &list);
  if (!list) {
    DT_LOGW(kMod, "no usable remote candidate yet");
    return true;  // they may trickle in via add_remote_candidate()
  }
  int n = nice_agent_set_remote_candidates(agent_, stream_, 1, static_cast<GSList*>(list));
  g_slist_free_full(static_cast<GSList*>(list), reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  if (n <= 0) {
    DT_LOGE(kMod, "nice_agent_set_remote_candidates added none");
    return false;
  }
  DT_LOGI(kMod, "%d remote candidates", n);
  return true;
}

bool IceAgent::add_remote_candidate(std::string_view line) {
  if (!agent_ || !remote_set_) return false;
  void* list = nullptr;
  if (!add_remote_line(line, &list)) return false;
  int n = nice_agent_set_remote_candidates(agent_, stream_, 1, static_cast<GSList*>(list));
  g_slist_free_full(static_cast<GSList*>(list), reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  return n > 0;
}

bool IceAgent::restart() {
  if (!agent_) return false;
  // New local ufrag/pwd; libnice also forgets the remote credentials and
  // candidates, which set_remote() provides again.
  if (!nice_agent_restart_stream(agent_, stream_)) {
    DT_LOGE(kMod, "nice_agent_restart_stream failed");
    return false;
  }
  remote_set_ = false;
  export_local();
  DT_LOGI(kMod, "ICE restart: new local credentials");
  if (cb_.on_gathering_done) cb_.on_gathering_done();
  return true;
}

bool IceAgent::send(std::span<const std::uint8_t> datagram) {
  if (!agent_ || !has_pair_) return false;
  gint n = nice_agent_send(agent_, stream_, 1, static_cast<guint>(datagram.size()),
                           reinterpret_cast<const gchar*>(datagram.data()));
  return n == static_cast<gint>(datagram.size());
}

void IceAgent::close() {
  if (resume_source_) {
    reinterpret_cast<ResumeSource*>(resume_source_)->agent = nullptr;
    g_source_destroy(resume_source_);
    g_source_unref(resume_source_);
    resume_source_ = nullptr;
  }
  reception_paused_ = false;
  tick_fd_ = -1;
  if (!agent_) return;
  g_signal_handlers_disconnect_by_data(agent_, this);
  if (stream_) nice_agent_attach_recv(agent_, stream_, 1, ctx_, nullptr, nullptr);
  // The completion callback is delivered on the thread-default context:
  // make that ours, so our loop runs it and frees the agent.
  g_main_context_push_thread_default(ctx_);
  nice_agent_close_async(agent_, close_done, nullptr);
  g_main_context_pop_thread_default(ctx_);
  agent_ = nullptr;
  stream_ = 0;
  has_pair_ = false;
  remote_set_ = false;
  state_ = IceState::kClosed;
}

}  // namespace dialtone::media
