#include "firmware/control/control_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace dialtone::control {
namespace {

class Echo : public CommandHandler {
 public:
  void on_command(std::string_view cmd, const cJSON*, Reply& reply) override {
    if (cmd == "ping") reply.ok().string("pong", "yes").end_object();
    else if (cmd == "status") reply.ok().string("line", "registered").end_object();
    // A reply of big_size bytes: {"ok":true,"pad":"xxx..."}.
    else if (cmd == "big") reply.ok().string("pad", std::string(big_size - 20, 'x')).end_object();
    else reply.error("unknown_command", "unknown command");
  }
  std::size_t big_size = 0;
};

// Short idle limits so the tests need not wait seconds; the logic is the same.
constexpr IdlePolicy kTestIdle{.first_request_ms = 150, .idle_ms = 300};

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
  // Runs the loop (answering whoever writes) for at least `ms`.
  void run_for(int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) loop_.run_once(5);
  }
  // True when the server has closed `fd` (EOF, after any queued lines).
  bool closed_by_server(int fd) {
    for (int i = 0; i < 50; ++i) {
      loop_.run_once(5);
      char c;
      ssize_t n;
      while ((n = recv(fd, &c, 1, MSG_DONTWAIT)) == 1) {
      }
      if (n == 0) return true;
    }
    return false;
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
  ControlServer server_{loop_, echo_, kTestIdle};
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

TEST_F(ControlServerTest, EmptyLinesGetAnErrorAndTheConnectionStaysUsable) {
  int fd = connect_client();
  for (const char* empty : {"\n", "\r\n", " \t \n", " \r\n"}) {
    send(fd, empty);
    EXPECT_NE(line(fd).find("\"code\":\"malformed\""), std::string::npos) << "for " << testing::PrintToString(empty);
  }
  send(fd, "{\"cmd\":\"ping\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":true,"pong":"yes"})");
  close(fd);
}

TEST_F(ControlServerTest, RepliesUpTo16KiBArriveWhole) {
  int fd = connect_client();
  echo_.big_size = limits::kControlReplyMax - 1;  // the newline makes 16 KiB
  send(fd, "{\"cmd\":\"big\"}\n");
  std::string reply = line(fd);
  EXPECT_EQ(reply.size(), limits::kControlReplyMax - 1);
  EXPECT_EQ(reply.rfind("{\"ok\":true,\"pad\":\"xxx", 0), 0u);
  EXPECT_EQ(reply.back(), '}');

  echo_.big_size = limits::kControlReplyMax + 1;
  send(fd, "{\"cmd\":\"big\"}\n");
  EXPECT_NE(line(fd).find("\"code\":\"internal\""), std::string::npos);
  send(fd, "{\"cmd\":\"ping\"}\n");
  EXPECT_EQ(line(fd), R"({"ok":true,"pong":"yes"})");
  close(fd);
}

TEST_F(ControlServerTest, IdleConnectionsCannotLockTheOwnerOut) {
  std::vector<int> idle;
  for (std::size_t i = 0; i < limits::kControlClientsMax; ++i) idle.push_back(connect_client());
  ASSERT_EQ(server_.clients(), limits::kControlClientsMax);
  run_for(kTestIdle.first_request_ms + 50);

  int owner = connect_client();
  send(owner, "{\"cmd\":\"status\"}\n");
  EXPECT_EQ(line(owner), R"({"ok":true,"line":"registered"})");
  EXPECT_TRUE(closed_by_server(idle[0])) << "the longest-silent connection makes room";
  EXPECT_EQ(server_.clients(), limits::kControlClientsMax);
  close(owner);
  for (int fd : idle) close(fd);
}

TEST_F(ControlServerTest, ConnectionIdleBetweenRequestsMakesRoom) {
  std::vector<int> fds;
  for (std::size_t i = 0; i < limits::kControlClientsMax; ++i) {
    fds.push_back(connect_client());
    send(fds.back(), "{\"cmd\":\"ping\"}\n");
    EXPECT_EQ(line(fds.back()), R"({"ok":true,"pong":"yes"})");
  }
  run_for(kTestIdle.idle_ms + 50);
  int owner = connect_client();
  send(owner, "{\"cmd\":\"status\"}\n");
  EXPECT_EQ(line(owner), R"({"ok":true,"line":"registered"})");
  close(owner);
  for (int fd : fds) close(fd);
}

TEST_F(ControlServerTest, SubscribersOutlastIdleUnsubscribedConnections) {
  std::vector<int> listeners;
  for (std::size_t i = 0; i + 1 < limits::kControlClientsMax; ++i) {
    listeners.push_back(connect_client());
    send(listeners.back(), "{\"cmd\":\"subscribe\"}\n");
    EXPECT_EQ(line(listeners.back()), R"({"ok":true})");
  }
  int forgotten = connect_client();
  run_for(kTestIdle.idle_ms + 50);  // every one of them is past both limits

  int owner = connect_client();
  send(owner, "{\"cmd\":\"status\"}\n");
  EXPECT_EQ(line(owner), R"({"ok":true,"line":"registered"})");
  EXPECT_TRUE(closed_by_server(forgotten));
  server_.broadcast(R"({"event":"line","state":"registered"})");
  for (int fd : listeners) EXPECT_EQ(line(fd), R"({"event":"line","state":"registered"})");
  close(owner);
  for (int fd : listeners) close(fd);
}

TEST_F(ControlServerTest, BusyWhenNoConnectionIsIdleYet) {
  server_.stop();
  ControlServer patient(loop_, echo_);  // default limits: seconds, not milliseconds
  ASSERT_TRUE(patient.start(path_.c_str()));
  std::vector<int> fds;
  for (std::size_t i = 0; i < limits::kControlClientsMax; ++i) fds.push_back(connect_client());
  int late = connect_client();
  EXPECT_NE(line(late).find("\"code\":\"busy\""), std::string::npos);
  EXPECT_EQ(patient.clients(), limits::kControlClientsMax);
  close(late);
  for (int fd : fds) close(fd);
  patient.stop();
}

}  // namespace
}  // namespace dialtone::control
