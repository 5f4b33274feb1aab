// Test helper: Debian's aiortc as a far-end child process (aiortc_peer.py),
// speaking one JSON line per message over pipes, and the little JSON
// (de)quoting those lines need. Shared by the transport and session
// interoperation tests.
#pragma once
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "firmware/core/event_loop.hpp"

namespace dialtone::media::testing {

// --- The far end as a child process ----------------------------------------
struct AiortcProcess {
  pid_t pid = -1;
  int to_child = -1, from_child = -1;
  std::string buf;
  std::vector<std::string> lines;

  bool spawn(EventLoop& loop, const char* role, int seconds, int tone) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return false;
    pid = fork();
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::string s = std::to_string(seconds), t = std::to_string(tone);
      execl(DIALTONE_PYTHON, DIALTONE_PYTHON, AIORTC_PEER_SCRIPT, "--role", role, "--seconds", s.c_str(), "--tone",
            t.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child = in[1];
    from_child = out[0];
    fcntl(from_child, F_SETFL, O_NONBLOCK);
    return loop.add_fd(from_child, POLLIN, [this](short) {
      char tmp[4096];
      ssize_t n;
      while ((n = read(from_child, tmp, sizeof(tmp))) > 0) buf.append(tmp, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
        lines.push_back(buf.substr(0, nl));
        buf.erase(0, nl + 1);
      }
    });
  }
  void send_line(const std::string& s) {
    std::string l = s + "\n";
    ASSERT_EQ(write(to_child, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
  void stop(EventLoop& loop) {
    if (from_child >= 0) loop.remove_fd(from_child);
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (to_child >= 0) close(to_child);
    if (from_child >= 0) close(from_child);
    pid = -1;
    to_child = from_child = -1;
  }
};

// --- Minimal JSON string (de)quoting for {"sdp": "..."} lines --------------
inline std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else if (c == '"' || c == '\\') (o += '\\') += c;
    else o += c;
  }
  return o + "\"";
}
inline std::string json_sdp(const std::string& line) {
  std::size_t p = line.find("\"sdp\": \"");
  if (p == std::string::npos) return {};
  std::string o;
  for (std::size_t i = p + 8; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      char e = line[++i];
      o += e == 'n' ? '\n' : e == 'r' ? '\r' : e;
    } else {
      o += line[i];
    }
  }
  return o;
}
inline double json_number(const std::string& line, const std::string& key) {
  std::size_t p = line.find("\"" + key + "\": ");
  return p == std::string::npos ? -1 : std::atof(line.c_str() + p + key.size() + 4);
}

}  // namespace dialtone::media::testing
