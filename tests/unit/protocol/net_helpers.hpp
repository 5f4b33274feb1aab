// Helpers for the network tests (run inside a private network namespace by
// run_net_test.sh; only 127.0.0.1 is ever used).
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "firmware/core/clock.hpp"
#include "firmware/core/event_loop.hpp"

namespace nettest {

inline std::string pki(const std::string& name) {
  const char* d = std::getenv("DT_TEST_PKI");
  return std::string(d ? d : "/nonexistent") + "/" + name;
}

inline std::string script(const std::string& name) {
  const char* d = std::getenv("DT_TEST_SCRIPTS");
  return std::string(d ? d : ".") + "/" + name;
}

// A port nobody listens on right now (bind to 0, read it, close); TCP by
// default, UDP with SOCK_DGRAM.
inline std::uint16_t free_port(int type = SOCK_STREAM) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A child process (a test server) killed when this goes out of scope.
class Child {
 public:
  explicit Child(std::vector<std::string> argv, std::uint16_t wait_port = 0) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execvp(a[0], a.data());
      _exit(127);
    }
    if (wait_port) {
      // Bounded wait for the server to listen (a hang guard, not a timing assertion).
      for (int i = 0; i < 200 && !port_accepts(wait_port); ++i) usleep(25000);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

 private:
  pid_t pid_ = -1;
};

// Runs the loop until pred() holds; false if it never does (hang guard).
template <typename Pred>
bool run_until(dialtone::EventLoop& loop, Pred pred, dialtone::TimeMs guard_ms = 10000) {
  dialtone::TimeMs end = dialtone::monotonic_ms() + guard_ms;
  while (!pred()) {
    if (dialtone::monotonic_ms() > end) return false;
    loop.run_once(50);
  }
  return true;
}

}  // namespace nettest
