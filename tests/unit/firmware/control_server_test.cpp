#include "firmware/control/control_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace dialtone::control {
namespace {

class Echo : public CommandHandler {
 public:
  void on_command(std::string_view cmd, const cJSON*, Reply& reply) override {
    if (cmd == "ping") reply.ok().string("pong", "yes").end_object();
    else reply.error("unknown_command", "unknown command");
  }
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dialtone-ctl-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/control.sock";
    ASSERT_TRUE(server_.start(path_.c_str()));
  }
  void TearDown() override {
    server_.stop();
    rmdir(dir_.c_str());
  }
  int connect_client() {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    for (int i = 0; i < 5; ++i) loop_.run_once(5);
    return fd;
  }
  void send(int fd, const std::string& s) { ASSERT_EQ(write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  std::string line(int fd) {
    std::string out;
    for (int i = 0; i < 200; ++i) {
      loop_.run_once(5);
      char c;
      while (recv(fd, &c, 1, MSG_DONTWAIT) == 1) {
        if (c == '\n') return out;
        out += c;
      }
    }
    return out;
  }

  EventLoop loop_;
  Echo echo_;
  ControlServer server_{loop_, echo_};
  std::string dir_, path_;
};

TEST_F(ControlServerTest, SocketIsGroupAccessibleOnly) {
  struct stat st{};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ControlServerTest, AnswersAndStaysUsableAfterBadInput) {
  int fd = connect_client();
  send(fd, "{\"cmd\":\"ping\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":true,"pong":"yes"})");
  send(fd, "not json\n");
  EXPECT_NE(line(fd).find("\"code\":\"malformed\""), std::string::npos);
  send(fd, "{\"nocmd\":1}\n");
  EXPECT_NE(line(fd).find("\"code\":\"malformed\""), std::string::npos);
  send(fd, "{\"cmd\":\"frobnicate\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":false,"error":{"code":"unknown_command","message":"unknown command"}})");
  send(fd, std::string(5000, 'x') + "\n");
  EXPECT_NE(line(fd).find("\"code\":\"line_too_long\""), std::string::npos);
  send(fd, "{\"cmd\":\"ping\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":true,"pong":"yes"})");
  close(fd);
}

TEST_F(ControlServerTest, RequestSplitAcrossWritesIsOneRequest) {
  int fd = connect_client();
  send(fd, "{\"cmd\":");
  loop_.run_once(5);
  send(fd, "\"ping\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":true,"pong":"yes"})");
  close(fd);
}

TEST_F(ControlServerTest, OnlySubscribersReceiveEvents) {
  int a = connect_client();
  int b = connect_client();
  send(a, "{\"cmd\":\"subscribe\"}\n");
  EXPECT_EQ(line(a), R"({"ok":true})");
  server_.broadcast(R"({"event":"line","state":"unlinked"})");
  EXPECT_EQ(line(a), R"({"event":"line","state":"unlinked"})");
  send(b, "{\"cmd\":\"ping\"}\n");
  EXPECT_EQ(line(b), R"({"ok":true,"pong":"yes"})");  // and no event before it
  close(a);
  close(b);
}

}  // namespace
}  // namespace dialtone::control
