#include "firmware/core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

namespace dialtone {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/dialtone-atomic-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(AtomicFile, WritesWithModeAndReadsBack) {
  std::string dir = temp_dir();
  std::string path = dir + "/tokens.json";
  ASSERT_TRUE(write_file_atomic(path.c_str(), "secret", 0600));
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  char buf[32];
  EXPECT_EQ(read_file(path.c_str(), buf), 6);
  EXPECT_EQ(std::string(buf, 6), "secret");
  char tiny[3];
  EXPECT_EQ(read_file(path.c_str(), tiny), -1);
  std::string cmd = "rm -rf " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

// Content that can be recognised as whole: a generation number repeated to a
// size that needs several write() calls.
std::string content_for(int gen) {
  std::string s = "gen=" + std::to_string(gen) + ";";
  std::string out;
  while (out.size() < 200000) out += s;
  return out + "END";
}

bool is_whole(const std::string& s) {
  if (s.size() < 10 || s.substr(s.size() - 3) != "END") return false;
  auto semi = s.find(';');
  std::string unit = s.substr(0, semi + 1);
  for (std::size_t i = 0; i + unit.size() <= s.size() - 3; i += unit.size())
    if (s.compare(i, unit.size(), unit) != 0) return false;
  return true;
}

TEST(AtomicFile, KillAtRandomPointsNeverLeavesATornOrEmptyFile) {
  std::string dir = temp_dir();
  std::string path = dir + "/state.json";
  ASSERT_TRUE(write_file_atomic(path.c_str(), content_for(0), 0600));
  std::mt19937 rng(1234);
  static char buf[1 << 20];
  for (int round = 0; round < 25; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int gen = 1;; ++gen) write_file_atomic(path.c_str(), content_for(gen), 0600);
    }
    usleep(std::uniform_int_distribution<int>(1000, 30000)(rng));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    long n = read_file(path.c_str(), buf);
    ASSERT_GT(n, 0) << "round " << round;
    EXPECT_TRUE(is_whole(std::string(buf, static_cast<std::size_t>(n)))) << "torn file in round " << round;
  }
  std::string cmd = "rm -rf " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace dialtone
