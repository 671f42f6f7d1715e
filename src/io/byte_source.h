// ByteSource: a pull stream of bytes.
//
// Contract: read() fills up to out.size() bytes and returns how many; 0 means
// the end of the stream (and every later call returns 0). Failures throw
// wale::Error. A source is used by one thread at a time.
#pragma once

#include <cstddef>
#include <span>

namespace wale::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::size_t read(std::span<std::byte> out) = 0;
};

// Reads until out is full or the stream ends; returns the bytes read.
std::size_t read_full(ByteSource& source, std::span<std::byte> out);

}  // namespace wale::io
