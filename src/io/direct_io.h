// Direct I/O pieces shared by the writers that bypass the page cache:
// io::WriteBehind (restored relation files) and io::AtomicFileSink's held
// writes (WAL objects). O_DIRECT wants buffers, offsets and lengths aligned to
// the logical block size; kDirectAlign is the largest one in use. Never throws
// but for make_aligned_buffer's bad_alloc.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>

namespace wale::io {

inline constexpr std::size_t kDirectAlign = 4096;

struct AlignedFree {
  void operator()(std::byte* p) const noexcept { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<std::byte, AlignedFree>;

// `size` bytes (a multiple of kDirectAlign) aligned to kDirectAlign,
// uninitialised. Throws std::bad_alloc.
AlignedBuffer make_aligned_buffer(std::size_t size);

// Switches O_DIRECT on or off for `fd` (fcntl). False when the flags cannot
// be read or set: then a file system that refuses direct I/O (EINVAL) keeps
// the page cache.
bool set_direct(int fd, bool on);

}  // namespace wale::io
