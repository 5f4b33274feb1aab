#include "firmware/core/process_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace dialtone {
namespace {

std::int64_t field_kb(std::string_view text, std::string_view key) {
  std::size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  return std::strtoll(text.data() + at + key.size(), nullptr, 10);
}

}  // namespace

ProcessMemory read_process_memory() {
  ProcessMemory m;
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return m;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return m;
  buf[n] = '\0';
  std::string_view text(buf, static_cast<std::size_t>(n));
  m.rss_kb = field_kb(text, "VmRSS:");
  m.rss_anon_kb = field_kb(text, "RssAnon:");
  m.hwm_kb = field_kb(text, "VmHWM:");
  return m;
}

}  // namespace dialtone
