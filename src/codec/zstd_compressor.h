// ZstdCompressor: Zstandard frames through libzstd's streaming API
// (ZSTD_compressStream2), readable by `zstd -dc`. The frame carries a content
// checksum (XXH64). Level 0 (the default) means zstd level 1, chosen for
// throughput; any level ZSTD_minCLevel()..ZSTD_maxCLevel() can be asked for.
// Single-threaded (no zstd worker threads).
//
// Contract: process() appends compressed bytes as zstd releases them; finish()
// ends the frame. Throws Error{Config} for an out-of-range level
// (constructor), Error{Internal} on a libzstd failure or use after finish().
// Owns its ZSTD_CCtx. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "codec/codec.h"
#include "io/filter.h"

struct ZSTD_CCtx_s;

namespace wale::codec {

class ZstdCompressor final : public io::Filter {
 public:
  explicit ZstdCompressor(const CompressOptions& options);
  ~ZstdCompressor() override;

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

 private:
  struct ContextDeleter {
    void operator()(ZSTD_CCtx_s* context) const noexcept;
  };

  std::unique_ptr<ZSTD_CCtx_s, ContextDeleter> context_;
  std::unique_ptr<std::byte[]> scratch_;
  std::size_t scratch_size_ = 0;
  bool finished_ = false;
};

}  // namespace wale::codec
