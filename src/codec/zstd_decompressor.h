// ZstdDecompressor: reads Zstandard frames with libzstd's streaming API
// (ZSTD_decompressStream), as `zstd -c` and ZstdCompressor write them.
// Frames back to back and skippable frames are accepted; a frame's content
// checksum, when present, is verified. Windows up to 128 MiB (zstd's default
// limit) are accepted. With Checksums::Required every frame must be a data
// frame whose descriptor sets Content_Checksum_flag (FrameChecksumGuard), so
// every decoded byte is checked against the writer's checksum.
//
// Errors: Error{Corrupt} for bad magic, checksum mismatch, undecodable data,
// trailing junk, empty input, or (in finish()) a frame cut short;
// Error{Unsupported} for a frame needing a larger window. After a throw the
// filter must be discarded. Error{Internal} on use after finish(). Owns its
// ZSTD_DCtx. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "codec/frame_checksum_guard.h"
#include "io/filter.h"

struct ZSTD_DCtx_s;

namespace wale::codec {

class ZstdDecompressor final : public io::Filter {
 public:
  enum class Checksums { Optional, Required };
  explicit ZstdDecompressor(Checksums checksums = Checksums::Optional);
  ~ZstdDecompressor() override;

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t out_limit) override;
  void finish(std::vector<std::byte>& out) override;
  bool decodes_into() const override { return true; }
  Progress process_into(std::span<const std::byte> in, std::span<std::byte> out) override;

 private:
  struct ContextDeleter {
    void operator()(ZSTD_DCtx_s* context) const noexcept;
  };

  std::unique_ptr<ZSTD_DCtx_s, ContextDeleter> context_;
  std::optional<FrameChecksumGuard> guard_;  // Checksums::Required
  std::unique_ptr<std::byte[]> scratch_;
  std::size_t scratch_size_ = 0;
  std::size_t last_result_ = 1;  // 0 once a frame is fully decoded and flushed
  bool any_input_ = false;
  bool finished_ = false;
};

}  // namespace wale::codec
