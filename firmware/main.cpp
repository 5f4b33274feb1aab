// dialtoned: the Dialtone agent. Reads its configuration, builds the board's
// hardware layer, and runs the phone on one event loop until SIGTERM/SIGINT.
#include <glib.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "board/board.hpp"
#include "board/hal_factory.hpp"
#include "firmware/app/event_publisher.hpp"
#include "firmware/app/line_reporter.hpp"
#include "firmware/app/phone.hpp"
#include "firmware/app/phone_commands.hpp"
#include "firmware/app/session_media.hpp"
#include "firmware/app/yna_link_actions.hpp"
#include "firmware/call/call_layer.hpp"
#include "firmware/config/config.hpp"
#include "firmware/control/control_server.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/log.hpp"
#include "firmware/core/random.hpp"
#include "firmware/line/sip_calls.hpp"
#include "firmware/line/sip_line.hpp"
#include "firmware/line/yna_calls.hpp"
#include "firmware/line/yna_line.hpp"
#include "firmware/services/account_services.hpp"
#include "firmware/services/jambonz_service.hpp"
#include "firmware/services/kazoo_service.hpp"
#include "firmware/status/device_status.hpp"
#include "firmware/web/web_server.hpp"
#include "protocol/sip/sip_pool.hpp"

#ifndef DIALTONE_VERSION
#define DIALTONE_VERSION "dev"
#endif

namespace {

using namespace dialtone;

int usage(FILE* out) {
  std::fprintf(out,
               "usage: dialtoned --config FILE\n"
               "       dialtoned --version\n"
               "Runs the Dialtone telephone agent. FILE is the JSON configuration of\n"
               "spec/device-control.md.\n");
  return out == stdout ? 0 : 2;
}

LogLevel parse_level(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

bool make_state_dir(const char* path) {
  if (::mkdir(path, 0700) == 0 || errno == EEXIST) {
    struct stat st{};
    if (::stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return true;
    errno = ENOTDIR;
  }
  std::fprintf(stderr, "dialtoned: state_dir %s: %s\n", path, std::strerror(errno));
  return false;
}

// The configuration is large-ish fixed storage: keep it out of main's stack.
config::Config g_config;

}  // namespace

int main(int argc, char** argv) {
  const char* config_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("dialtoned %s\n", DIALTONE_VERSION);
      return 0;
    }
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return usage(stdout);
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    std::fprintf(stderr, "dialtoned: unknown argument %s\n", argv[i]);
    return usage(stderr);
  }
  if (!config_path) return usage(stderr);

  config::ConfigError err;
  if (!config::load_config(config_path, g_config, err)) {
    if (err.key.empty()) std::fprintf(stderr, "dialtoned: %s: %s\n", config_path, err.message.c_str());
    else std::fprintf(stderr, "dialtoned: %s: key \"%s\" %s\n", config_path, err.key.c_str(), err.message.c_str());
    return 1;
  }
  log_set_level(parse_level(g_config.log_level));

  const board::BoardDescription* desc = board::find_board(g_config.board);
  if (!desc) {
    char known[256] = "";
    for (const board::BoardDescription* b : board::all_boards()) {
      if (known[0]) std::strncat(known, ", ", sizeof known - std::strlen(known) - 1);
      std::strncat(known, b->name.data(), sizeof known - std::strlen(known) - 1);
    }
    std::fprintf(stderr, "dialtoned: %s: key \"board\": unknown board \"%s\" (known: %s)\n", config_path,
                 g_config.board.c_str(), known);
    return 1;
  }
  if (!make_state_dir(g_config.state_dir.c_str())) return 1;

  // The process's one random generator, seeded here before anything can draw
  // from it: TLS, DTLS, tokens and identifiers all depend on it.
  Csprng& rng = process_csprng();
  if (!rng.ready()) {
    std::fprintf(stderr, "dialtoned: cannot seed the random generator from the system's entropy source\n");
    return 1;
  }

  // oSIP allocates from our fixed pool only; installed before any SIP code
  // runs, and listed in `status` from the start.
  protocol::sip::sip_pool_install();

  // Signals arrive as a descriptor on the loop, never as asynchronous handlers.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

  static EventLoop loop;
  static board::BoardHal hal;
  board::AudioConfig audio;
  audio.backend = g_config.audio.backend == config::AudioBackend::kAlsa ? board::AudioBackend::kAlsa
                                                                         : board::AudioBackend::kFile;
  audio.capture = g_config.audio.capture;
  audio.playback = g_config.audio.playback;
  board::ConfigError hal_error;
  if (!hal.build(*desc, audio, hal_error)) {
    std::fprintf(stderr, "dialtoned: board %s: %s\n", desc->name.data(), hal_error.c_str());
    return 1;
  }
  // A board without a bell rings into the earpiece (the phone plays the ring tone).
  hal::Ringer* ringer = hal.sim_ringer() ? nullptr : &hal.ringer();

  // The device's state, the calls on every line, and the telephone the
  // person touches; the control socket and the web page read and drive them.
  static status::DeviceStatus device;
  static call::CallLayer calls;
  calls.set_call_waiting(g_config.call_waiting);
  device.set_calls(&calls);
  static app::EventPublisher events;
  static app::Phone phone(loop, app::PhoneHardware{hal.audio(), &hal.input(), ringer, *desc->tones}, calls, device,
                          events);
  calls.set_ui(phone);
  static app::PhoneCommands commands(phone, calls, device);

  // The account services, each only when configured (services.md).
  services::KazooService* kazoo = nullptr;
  static status::KazooStatus kazoo_model;
  if (g_config.kazoo.present) {
    static services::KazooService kazoo_service(loop, g_config.kazoo, kazoo_model);
    kazoo = &kazoo_service;
    device.set_kazoo(&kazoo_model);
  }
  services::JambonzService* jambonz = nullptr;
  static status::JambonzStatus jambonz_model;
  if (g_config.jambonz.present) {
    static services::JambonzService jambonz_service(loop, g_config.jambonz, jambonz_model);
    jambonz = &jambonz_service;
    device.set_jambonz(&jambonz_model);
  }
  static services::AccountServices account(commands, kazoo, &kazoo_model, jambonz);
  static control::ControlServer control(loop, account);
  account.set_server(&control);
  events.attach(control);

  char sock_path[limits::kPathMax + 32];
  std::snprintf(sock_path, sizeof sock_path, "%s/control.sock", g_config.state_dir.c_str());
  loop.add_fd(sig_fd, POLLIN, [](short) {
    DT_LOGI("main", "stopping on signal");
    loop.stop();
  });
  if (!control.start(sock_path) || !phone.start()) {
    DT_LOGE("main", "start-up failed; see the messages above");
    return 1;
  }

  // The YNA line (yna-wire.md sections 3-6).
  line::YnaLine* yna = nullptr;
  app::YnaLinkActions* yna_actions = nullptr;
  web::WebPageConfig web_cfg{};
  if (g_config.yna.present) {
    static app::LineReporter reporter(device, events, device.add_line("yna"));
    static line::YnaLine yna_line(loop, rng, g_config.yna, g_config.state_dir.view(), reporter);
    static line::YnaCalls yna_calls(yna_line, calls, device);
    static app::YnaLinkActions link_actions(yna_line, calls);
    yna = &yna_line;
    yna_actions = &link_actions;
    yna_calls.set_index(calls.add_line(yna_calls));
    yna_line.set_notification_observer(&yna_calls);
    commands.set_unlink([] { return link_actions.unlink_line(); });
    web_cfg = {g_config.yna.auth_url.view(), g_config.yna.client_id.view(), g_config.yna.redirect_uri.view()};
  }

  // The SIP line (sip-line.md): registration, and calls through the same
  // call layer and media sessions as the YNA line.
  line::SipLine* sip = nullptr;
  line::SipCalls* sip_calls_ptr = nullptr;
  if (g_config.sip.present) {
    static app::LineReporter sip_reporter(device, events, device.add_line("sip"));
    static line::SipLine sip_line(loop, rng, g_config.sip, sip_reporter);
    static line::SipCalls sip_calls(loop, rng, sip_line, calls, events);
    sip_line.set_calls(&sip_calls);
    const std::uint8_t index = calls.add_line(sip_calls);
    sip_calls.set_index(index);
    if (g_config.outgoing_line == config::LineKind::kSip) calls.set_outgoing_line(index);
    sip = &sip_line;
    sip_calls_ptr = &sip_calls;
  }

  // One audio session per call slot. libnice runs on a GLib context
  // that our loop pumps, so everything stays on this thread.
  if (calls.line(0)) {
    static GMainContext* glib = g_main_context_new();
    loop.attach_glib(glib);
    static media::DtlsCertificate cert;
    if (!cert.load_or_create(g_config.state_dir.c_str())) {
      DT_LOGE("main", "cannot create or load the DTLS certificate in %s", g_config.state_dir.c_str());
      return 1;
    }
    media::AudioSessionConfig media_cfg;
    media_cfg.ice = app::ice_config_from(g_config.ice);
    media_cfg.board_rate = desc->sample_rate;
    static app::SessionMedia media0(loop, glib, cert, media_cfg, 0, calls, device, events);
    static app::SessionMedia media1(loop, glib, cert, media_cfg, 1, calls, device, events);
    calls.set_media(0, &media0);
    calls.set_media(1, &media1);
    if (g_config.sip.present) {
      const media::sdp::Profile p = app::sip_offer_profile(g_config.sip);
      media0.set_offer_profile("sip", p);
      media1.set_offer_profile("sip", p);
    }
    phone.set_audio_tap([](std::span<const std::int16_t> mic, std::span<std::int16_t> ear) {
      media0.on_audio_frame(mic, ear);
      media1.on_audio_frame(mic, ear);
    });
  }
  if (yna) yna->start();
  if (sip && !sip->start()) device.add_error("SIP: the line could not start (sip.ca_file?)");
  if (kazoo && !kazoo->start()) device.add_error("Kazoo: TLS set-up failed (kazoo.ca_file?)");
  if (jambonz && !jambonz->start()) device.add_error("jambonz: TLS set-up failed (jambonz.ca_file?)");

  // The local web page, for every configuration (device-control.md).
  static web::WebServer web(loop, device, yna_actions, rng);
  web.page().set_account(&account);
  if (!web.start(g_config.web.host.view(), g_config.web.port, web_cfg)) {
    DT_LOGE("main", "the local web page could not start on web.listen");
    return 1;
  }
  DT_LOGI("main", "dialtoned %s running on board %s", DIALTONE_VERSION, desc->name.data());
  loop.run();
  web.stop();
  loop.remove_fd(sig_fd);  // the signal stays pending; the loop may run a moment more
  if (sip) {
    // sip-line.md 3: calls end and the binding is removed before the
    // process goes; the loop runs a moment longer to send and hear it.
    sip_calls_ptr->end_all();
    sip->stop();
    for (const TimeMs until = loop.now() + line::SipLine::kFlushMs; loop.now() < until && !sip->unregistered();)
      loop.run_once(50);
  }
  if (kazoo) kazoo->stop();
  if (jambonz) jambonz->stop();
  if (yna) yna->stop();
  phone.stop();
  control.stop();
  ::close(sig_fd);
  return 0;
}
