#include "firmware/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/limits.hpp"
#include "firmware/core/log.hpp"

namespace dialtone {
namespace {

bool write_all(int fd, std::string_view data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

bool fsync_parent_dir(const char* path) {
  char dir[limits::kPathMax + 1];
  std::size_t len = std::strlen(path);
  if (len > limits::kPathMax) return false;
  std::memcpy(dir, path, len + 1);
  char* slash = std::strrchr(dir, '/');
  if (!slash) std::strcpy(dir, ".");
  else if (slash == dir) dir[1] = '\0';
  else *slash = '\0';
  int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0;
}

}  // namespace

bool write_file_atomic(const char* path, std::string_view data, unsigned mode) {
  char tmp[limits::kPathMax + 16];
  int n = std::snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, static_cast<int>(::getpid()));
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof tmp) {
    errno = ENAMETOOLONG;
    DT_LOGE("storage", "path too long: %s", path);
    return false;
  }
  // The mode is set at creation so the secret is never readable by others,
  // not even for the instant before a chmod.
  int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    DT_LOGE("storage", "cannot create %s: %s", tmp, std::strerror(errno));
    return false;
  }
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0 && write_all(fd, data) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (ok && ::rename(tmp, path) == 0) {
    if (!fsync_parent_dir(path)) DT_LOGW("storage", "fsync of directory of %s failed: %s", path, std::strerror(errno));
    return true;
  }
  if (ok) saved = errno;
  ::unlink(tmp);
  errno = saved;
  DT_LOGE("storage", "cannot write %s: %s", path, std::strerror(saved));
  return false;
}

long read_file(const char* path, std::span<char> buf) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t len = 0;
  for (;;) {
    if (len == buf.size()) {
      char extra;
      ssize_t more = ::read(fd, &extra, 1);
      ::close(fd);
      if (more > 0) {
        errno = EFBIG;
        return -1;
      }
      return static_cast<long>(len);
    }
    ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      return -1;
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return static_cast<long>(len);
}

}  // namespace dialtone
