#include "io/direct_io.h"

#include <fcntl.h>

#include <new>

namespace wale::io {

AlignedBuffer make_aligned_buffer(std::size_t size) {
  void* p = std::aligned_alloc(kDirectAlign, size);
  if (p == nullptr) throw std::bad_alloc();
  return AlignedBuffer(static_cast<std::byte*>(p));
}

bool set_direct(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  int wanted = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
  return wanted == flags || ::fcntl(fd, F_SETFL, wanted) == 0;
}

}  // namespace wale::io
