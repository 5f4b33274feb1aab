// Persistent state that survives a power cut at any instant: write a
// temporary file beside the target, fsync it, rename over the target, fsync
// the directory. Readers see the old content or the new, never a mix.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

namespace dialtone {

// mode: e.g. 0600 for tokens and keys. Returns false (errno set, logged) on failure;
// the previous file is then untouched.
bool write_file_atomic(const char* path, std::string_view data, unsigned mode);

// Reads a whole file into `buf`. Returns the length, or -1 (missing,
// unreadable, or larger than the buffer: errno EFBIG).
long read_file(const char* path, std::span<char> buf);

}  // namespace dialtone
