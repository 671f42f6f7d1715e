// Lz4Decompressor: reads LZ4 frames (any block size, linked or independent
// blocks, with or without block/content checksums), as `lz4 -c` and
// Lz4Compressor write them. Frames back to back and skippable frames are
// accepted; checksums present in the frame are verified.
// With Checksums::Required every frame must be a data frame (magic 184D2204)
// whose descriptor sets the content-checksum flag, so that the xxHash32 of
// its decoded bytes, written with it, is verified at its end; anything else
// (a frame without it, a skippable frame) is Error{Corrupt}. Then every
// decoded byte is checked against a checksum from the writer (what
// codec::make_verifying_decompressor promises).
//
// Errors: Error{Corrupt} for bad magic, a checksum mismatch, an undecodable
// block, trailing junk, empty input, or (in finish()) a frame cut short.
// After a throw the filter must be discarded. Error{Internal} on use after
// finish(). Owns its LZ4F context. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "codec/frame_checksum_guard.h"
#include "io/filter.h"

struct LZ4F_dctx_s;

namespace wale::codec {

class Lz4Decompressor final : public io::Filter {
 public:
  enum class Checksums { Optional, Required };
  explicit Lz4Decompressor(Checksums checksums = Checksums::Optional);
  ~Lz4Decompressor() override;

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t out_limit) override;
  void finish(std::vector<std::byte>& out) override;
  bool decodes_into() const override { return true; }
  Progress process_into(std::span<const std::byte> in, std::span<std::byte> out) override;

 private:
  struct ContextDeleter {
    void operator()(LZ4F_dctx_s* context) const noexcept;
  };

  std::unique_ptr<LZ4F_dctx_s, ContextDeleter> context_;
  std::optional<FrameChecksumGuard> guard_;  // Checksums::Required
  std::unique_ptr<std::byte[]> scratch_;
  std::size_t scratch_size_ = 0;
  std::size_t next_hint_ = 1;  // liblz4's "bytes still expected"; 0 at a frame end
  bool any_input_ = false;
  bool finished_ = false;
};

}  // namespace wale::codec
