// The web page's socket side on 127.0.0.1: idle connections holding every
// slot must not keep the page from its owner. Runs in a private network
// namespace (scripts/in-netns.sh), like every test that opens sockets.
#include "firmware/web/web_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace dialtone;
using namespace dialtone::web;

namespace {

struct UnlinkedBackend : LinkActions {
  void link_started() override {}
  void link_cancelled(std::string_view) override {}
  void link_complete(std::string_view) override {}
  std::string_view access_token() const override { return {}; }
  void unlink() override {}
};

class WebServerNetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }
  void start(WebTimeouts timeouts) {
    server_ = std::make_unique<WebServer>(loop_, device_, &backend_, process_csprng(), timeouts);
    ASSERT_TRUE(server_->start("127.0.0.1", 0,
                               {"https://auth.example:8443/", "client 1", "http://127.0.0.1:8080/oauth/callback"}));
  }
  void run_for(int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) loop_.run_once(5);
  }
  // Connects (the test keeps the descriptor) and lets the server accept it.
  int open_connection() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(server_->port());
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << std::strerror(errno);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds_.push_back(fd);
    for (int i = 0; i < 3; ++i) loop_.run_once(0);
    return fd;
  }
  void send_text(int fd, const std::string& s) {
    ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // Everything the server sends until it closes the connection; "" when it
  // has not closed it within two seconds.
  std::string until_closed(int fd) {
    std::string got;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < end) {
      loop_.run_once(5);
      char buf[4096];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return got;
    }
    return "";
  }
  std::string get_page() {
    int fd = open_connection();
    send_text(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return until_closed(fd);
  }
  static bool is_status(const std::string& response, int code) {
    return response.rfind("HTTP/1.1 " + std::to_string(code) + " ", 0) == 0;
  }

  EventLoop loop_;
  status::DeviceStatus device_;
  UnlinkedBackend backend_;
  std::unique_ptr<WebServer> server_;
  std::vector<int> fds_;
};

// Short grace so the test need not wait seconds; the logic is the same.
constexpr WebTimeouts kTestTimeouts{.request_grace_ms = 200, .connection_max_ms = 60000};

TEST_F(WebServerNetTest, HundredIdleConnectionsDoNotKeepThePageAway) {
  start(kTestTimeouts);
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(open_connection());
    if (i % 2) send_text(idle.back(), "GET / HTTP/1.1\r\nHost:");  // a request that never ends
  }
  // The slots went to the first few; the rest were refused at once.
  std::size_t refused = 0;
  for (std::size_t i = limits::kWebClientsMax; i < idle.size(); ++i) refused += is_status(until_closed(idle[i]), 503);
  EXPECT_EQ(refused, idle.size() - limits::kWebClientsMax);

  run_for(static_cast<int>(kTestTimeouts.request_grace_ms) + 50);
  std::string page = get_page();
  EXPECT_TRUE(is_status(page, 200)) << page.substr(0, 200);
  EXPECT_NE(page.find("Link"), std::string::npos);
  // Its slot is free again once answered.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(is_status(get_page(), 200));
}

TEST_F(WebServerNetTest, RefusedAtOnceWhenNoSlotCanBeFreed) {
  start({});  // a grace of seconds: every idle connection is still within it
  for (std::size_t i = 0; i < limits::kWebClientsMax; ++i) open_connection();
  std::string answer = get_page();
  EXPECT_TRUE(is_status(answer, 503)) << answer;
}

TEST_F(WebServerNetTest, EveryConnectionEndsAfterItsMaximumLife) {
  start({.request_grace_ms = 60000, .connection_max_ms = 200});
  int fd = open_connection();
  run_for(300);
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0) << "still open: " << std::strerror(errno);
}

}  // namespace
