// Lz4Compressor: LZ4 frame format (lz4frame.h), readable by `lz4 -dc`.
// Frame settings: 256 KiB independent blocks, content checksum (xxHash32) on,
// block checksums off. Level 0 (the default) is LZ4's fast mode with
// acceleration 1; negative levels accelerate further; 3..12 select LZ4HC.
//
// Contract: process() appends whatever compressed bytes are ready (the frame
// header on the first call); finish() flushes the last block and writes the
// end mark and checksum. Throws Error{Config} for a level outside -65535..12
// (constructor), Error{Internal} on a liblz4 failure or use after finish().
// Owns its LZ4F context. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "codec/codec.h"
#include "io/filter.h"

struct LZ4F_cctx_s;

namespace wale::codec {

class Lz4Compressor final : public io::Filter {
 public:
  explicit Lz4Compressor(const CompressOptions& options);
  ~Lz4Compressor() override;

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

 private:
  struct ContextDeleter {
    void operator()(LZ4F_cctx_s* context) const noexcept;
  };
  struct Preferences;

  void begin(std::vector<std::byte>& out);

  std::unique_ptr<LZ4F_cctx_s, ContextDeleter> context_;
  std::unique_ptr<Preferences> preferences_;
  std::unique_ptr<std::byte[]> scratch_;
  std::size_t scratch_size_ = 0;
  bool begun_ = false;
  bool finished_ = false;
};

}  // namespace wale::codec
