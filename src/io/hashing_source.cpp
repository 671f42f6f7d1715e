#include "io/hashing_source.h"

#include <xxhash.h>

#include <cstdio>
#include <new>
#include <vector>

#include "core/scratch_buffer.h"
#include "io/file_streams.h"

namespace wale::io {

HashingSource::HashingSource(ByteSource& inner) : inner_(inner), state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(state_);
}

HashingSource::~HashingSource() { XXH3_freeState(state_); }

std::size_t HashingSource::read(std::span<std::byte> out) {
  std::size_t n = inner_.read(out);
  XXH3_128bits_update(state_, out.data(), n);
  return n;
}

std::string HashingSource::hex() const {
  XXH128_hash_t h = XXH3_128bits_digest(state_);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string hash_all(ByteSource& source) {
  HashingSource hashed(source);
  ScratchBuffer buf(256 * 1024);
  while (hashed.read(buf) > 0) {
  }
  return hashed.hex();
}

std::string hash_file(const std::string& path) {
  auto file = open_file_source(path);
  return file ? hash_all(*file) : std::string{};
}

}  // namespace wale::io
