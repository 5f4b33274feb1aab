// dialtonectl: the control socket for people. Turns a command line into one
// request line, prints the reply, and exits non-zero when the agent refused.
//
//   dialtonectl [-s SOCKET] status | hook on|off | key K | dial NUMBER | answer |
//               decline | hangup | hold | resume | dtmf DIGITS | unlink |
//               events | raw JSON
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "firmware/core/json.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: dialtonectl [-s SOCKET] COMMAND [ARG]\n"
               "  status                 line, calls and handset state\n"
               "  hook on|off            replace / lift the handset\n"
               "  key K                  press a key: 0-9 * # flash hold\n"
               "  dial NUMBER            off-hook and dial in one step\n"
               "  answer | decline | hangup | hold | resume | unlink\n"
               "  dtmf DIGITS            send RFC 4733 digits in the call\n"
               "  events                 print events until interrupted\n"
               "  raw JSON               send one request line as is\n"
               "SOCKET defaults to $DIALTONE_SOCKET, else /var/lib/dialtone/control.sock\n");
  return 2;
}

std::string quoted(const char* s) {
  char buf[4200];
  dialtone::JsonWriter w(buf);
  w.value_string(s);
  return std::string(w.view());
}

int connect_to(const char* path) {
  sockaddr_un addr{};
  if (std::strlen(path) >= sizeof addr.sun_path) {
    std::fprintf(stderr, "dialtonectl: socket path too long: %s\n", path);
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::fprintf(stderr, "dialtonectl: cannot connect to %s: %s (is dialtoned running?)\n", path,
                 std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one line; false on EOF.
bool read_line(int fd, std::string& line) {
  static std::string pending;
  for (;;) {
    auto nl = pending.find('\n');
    if (nl != std::string::npos) {
      line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      return true;
    }
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* sock = std::getenv("DIALTONE_SOCKET");
  if (!sock) sock = "/var/lib/dialtone/control.sock";
  int i = 1;
  if (i + 1 < argc && (std::strcmp(argv[i], "-s") == 0 || std::strcmp(argv[i], "--socket") == 0)) {
    sock = argv[i + 1];
    i += 2;
  }
  if (i >= argc) return usage();
  std::string cmd = argv[i];
  const char* arg = i + 1 < argc ? argv[i + 1] : nullptr;
  std::string req;
  bool follow = false;
  if (cmd == "status" || cmd == "answer" || cmd == "decline" || cmd == "hangup" || cmd == "hold" ||
      cmd == "resume" || cmd == "unlink") {
    req = "{\"cmd\":\"" + cmd + "\"}";
  } else if (cmd == "hook" && arg) {
    req = "{\"cmd\":\"hook\",\"state\":" + quoted(arg) + "}";
  } else if (cmd == "key" && arg) {
    req = "{\"cmd\":\"key\",\"key\":" + quoted(arg) + "}";
  } else if (cmd == "dial" && arg) {
    req = "{\"cmd\":\"dial\",\"to\":" + quoted(arg) + "}";
  } else if (cmd == "dtmf" && arg) {
    req = "{\"cmd\":\"dtmf\",\"digits\":" + quoted(arg) + "}";
  } else if (cmd == "events") {
    req = "{\"cmd\":\"subscribe\"}";
    follow = true;
  } else if (cmd == "raw" && arg) {
    req = arg;
  } else {
    return usage();
  }
  int fd = connect_to(sock);
  if (fd < 0) return 1;
  req += '\n';
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    std::fprintf(stderr, "dialtonectl: write failed: %s\n", std::strerror(errno));
    return 1;
  }
  std::string line;
  if (!read_line(fd, line)) {
    std::fprintf(stderr, "dialtonectl: the agent closed the connection without a reply\n");
    return 1;
  }
  std::printf("%s\n", line.c_str());
  bool ok = line.find("\"ok\":true") != std::string::npos;
  if (follow && ok) {
    std::fflush(stdout);
    while (read_line(fd, line)) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  }
  ::close(fd);
  return ok ? 0 : 1;
}
