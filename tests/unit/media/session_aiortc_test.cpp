// AudioSession against an independent stack: Debian's aiortc
// (aiortc_peer.py) as the far end, both as answerer (it picks Opus from our
// offer) and as offerer (PCMU only). SDP over pipes; each side sends a tone
// and finds the other's by frequency. Private netns, lo only.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/media/session_test_util.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::Party;

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
std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else if (c == '"' || c == '\\') (o += '\\') += c;
    else o += c;
  }
  return o + "\"";
}
std::string json_sdp(const std::string& line) {
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
double json_number(const std::string& line, const std::string& key) {
  std::size_t p = line.find("\"" + key + "\": ");
  return p == std::string::npos ? -1 : std::atof(line.c_str() + p + key.size() + 4);
}

struct AiortcCall {
  LoopWithGlib env;
  Party us{env.loop, env.ctx, 16000, 1000};
  AudioClock clock{env.loop, {&us}};
  AiortcProcess far;
  ~AiortcCall() { far.stop(env.loop); }

  std::string line_with(const char* key, TimeMs timeout) {
    std::string found;
    env.run_until(
        [&] {
          for (const std::string& l : far.lines)
            if (l.find(key) != std::string::npos) found = l;
          return !found.empty();
        },
        timeout);
    return found;
  }
  void check_audio(const char* what) {
    ASSERT_TRUE(env.run_until([&] { return us.connected_at >= 0 || us.failed; }, 15000)) << what;
    ASSERT_GE(us.connected_at, 0) << us.reason;
    env.run_for(3000);
    EXPECT_TRUE(us.hears(600)) << what << ": " << test::tone_power_ratio(us.last(1000), 600, 16000);
    const std::string result = line_with("\"result\"", 15000);
    ASSERT_FALSE(result.empty());
    const double freq = json_number(result, "freq");
    std::printf("%s: codec=%s, aiortc heard %.0f Hz, frames %.0f\n", what, us.s->stats().codec, freq,
                json_number(result, "frames"));
    // aiortc decodes Opus to 48 kHz stereo and aiortc_peer.py analyses the
    // interleaved samples as mono, so it reports half the frequency.
    const bool stereo = std::string(us.s->stats().codec) == "opus";
    EXPECT_NEAR(freq, stereo ? 500 : 1000, 30) << result;
  }
};

TEST(AudioSessionAiortc, WeOfferAiortcAnswers) {
  AiortcCall c;
  ASSERT_TRUE(c.far.spawn(c.env.loop, "answer", 5, 600));
  ASSERT_TRUE(c.us.s->create_offer(Direction::kSendRecv, false));
  ASSERT_TRUE(c.env.run_until([&] { return c.us.sdp_count > 0; }, 5000));
  c.far.send_line("{\"sdp\": " + json_quote(c.us.local_sdp) + "}");
  const std::string answer = json_sdp(c.line_with("\"sdp\"", 15000));
  ASSERT_FALSE(answer.empty());
  ASSERT_TRUE(c.us.s->apply_answer(answer)) << answer;
  c.check_audio("we offer, aiortc answers");
}

TEST(AudioSessionAiortc, AiortcOffersWeAnswer) {
  AiortcCall c;
  ASSERT_TRUE(c.far.spawn(c.env.loop, "offer", 5, 600));
  const std::string offer = json_sdp(c.line_with("\"sdp\"", 15000));
  ASSERT_FALSE(offer.empty());
  ASSERT_TRUE(c.us.s->create_answer(offer, Direction::kSendRecv)) << offer;
  ASSERT_TRUE(c.env.run_until([&] { return c.us.sdp_count > 0; }, 5000));
  c.far.send_line("{\"sdp\": " + json_quote(c.us.local_sdp) + "}");
  c.check_audio("aiortc offers, we answer");
}

}  // namespace
}  // namespace dialtone::media
