// Filter: one stage of a byte transformation (compression, decompression,
// hashing, counting). process() consumes all of `in` and appends any output
// to `out`; finish() flushes the tail and, for decoders, checks the stream was
// complete (throws Error{Corrupt} if it was cut short). Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace wale::io {

class Filter {
 public:
  virtual ~Filter() = default;
  virtual void process(std::span<const std::byte> in, std::vector<std::byte>& out) = 0;
  virtual void finish(std::vector<std::byte>& out) { (void)out; }
};

}  // namespace wale::io
