// Filter: one stage of a byte transformation (compression, decompression,
// hashing, counting). process() consumes all of `in` and appends any output
// to `out`; finish() flushes the tail and, for decoders, checks the stream was
// complete (throws Error{Corrupt} if it was cut short). Not thread-safe.
//
// process_some() is the bounded form that readers use: it consumes a prefix
// of `in` and returns its length, and may stop early once `out` has grown by
// at least `out_limit` bytes, so that a small input of highly compressible
// data (lz4 and zstd reach ratios of 255:1 and more) never expands into an
// unbounded buffer. It always consumes at least one byte of a non-empty `in`
// or produces output; it returns in.size() only once no output is pending.
// The default consumes everything (filters whose output is about the size of
// their input need nothing more).
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
  virtual std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t out_limit) {
    (void)out_limit;
    process(in, out);
    return in.size();
  }
  virtual void finish(std::vector<std::byte>& out) { (void)out; }

  // The direct form, for decoders that can write straight into a reader's
  // buffer (one copy less per byte): when decodes_into() is true,
  // process_into() consumes a prefix of `in` and writes at most out.size()
  // (> 0) bytes of output into `out`. With an empty `in` it flushes output
  // still held inside the filter; produced == 0 then means none is left,
  // and finish() may follow. Each call consumes or produces something unless
  // `in` is empty. Mixing it with process_some() is allowed. The default
  // filter does not decode into buffers (process_into throws Error{Internal}).
  struct Progress {
    std::size_t consumed = 0;
    std::size_t produced = 0;
  };
  virtual bool decodes_into() const { return false; }
  virtual Progress process_into(std::span<const std::byte> in, std::span<std::byte> out);
};

}  // namespace wale::io
