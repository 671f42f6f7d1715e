// LzopCompressor: writes the lzop container byte-compatible with `lzop -c`
// (lzop 1.04, LZO1X-1, adler32 of each uncompressed block, 256 KiB blocks).
// See lzop_format.h for the layout. CompressOptions::level is ignored: lzop
// objects are always LZO1X-1, as WAL-E writes them.
//
// Contract: process() buffers input into 256 KiB blocks and appends the
// header and each finished block to `out`; finish() writes the last short
// block and the end marker. One stream per object; calling process() or
// finish() after finish() throws Error{Internal}. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codec/codec.h"
#include "io/filter.h"

namespace wale::codec {

class LzopCompressor final : public io::Filter {
 public:
  explicit LzopCompressor(const CompressOptions& options);

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

 private:
  void write_header(std::vector<std::byte>& out);
  void write_block(std::span<const std::byte> block, std::vector<std::byte>& out);

  std::uint32_t mode_;
  std::uint32_t mtime_;
  bool header_written_ = false;
  bool finished_ = false;
  std::vector<std::byte> pending_;            // a partial block, < kBlockSize bytes
  std::unique_ptr<std::byte[]> work_memory_;  // LZO1X-1 dictionary
};

}  // namespace wale::codec
