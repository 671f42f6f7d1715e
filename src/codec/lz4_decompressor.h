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
// The content checksum (xxHash32 of the frame's output) of a frame without
// block checksums is verified here rather than by liblz4: liblz4 1.9.4's
// streaming XXH32 keeps its lanes in memory and costs ~5.5 ms per 16 MiB
// (more than decoding, ~2 ms), libxxhash's ~2.4 ms; a WAL segment's fetch
// is CPU-bound on it. liblz4 is told to skip checksums (skipChecksums) only
// for a frame whose header was read here and says "content checksum, no
// block checksums"; every other frame is verified by liblz4 as before. The
// 4 stored checksum bytes are the last 4 bytes of the frame.
//
// Errors: Error{Corrupt} for bad magic, a checksum mismatch, an undecodable
// block, trailing junk, empty input, or (in finish()) a frame cut short.
// After a throw the filter must be discarded. Error{Internal} on use after
// finish(). Owns its LZ4F context. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
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
  // One LZ4F_decompress call, with the content checksum verified here when
  // own_checksum_ (see the header comment); `taken`/`produced` as liblz4's.
  std::size_t decompress(std::span<const std::byte> in, std::size_t& taken, std::byte* out, std::size_t& produced);

  std::size_t next_hint_ = 1;                   // liblz4's "bytes still expected"; 0 at a frame end
  bool frame_start_ = true;                     // the next byte begins a frame
  bool own_checksum_ = false;                   // this frame's content checksum is verified here
  std::unique_ptr<unsigned char[]> xxh_state_;  // XXH32_state_t (xxhash.h stays out of this header)
  unsigned char trailer_[4] = {};               // the last 4 bytes consumed (the stored checksum at a frame end)
  bool any_input_ = false;
  bool finished_ = false;
};

}  // namespace wale::codec
