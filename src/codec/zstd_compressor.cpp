#include "codec/zstd_compressor.h"

#include <zstd.h>

#include <string>

#include "core/error.h"

namespace wale::codec {
namespace {

constexpr int kDefaultLevel = 1;

void check(std::size_t rc, const char* what) {
  if (ZSTD_isError(rc)) {
    throw Error(ErrorCode::Internal, std::string("zstd ") + what + " failed: " + ZSTD_getErrorName(rc));
  }
}

}  // namespace

void ZstdCompressor::ContextDeleter::operator()(ZSTD_CCtx_s* context) const noexcept { ZSTD_freeCCtx(context); }

ZstdCompressor::ZstdCompressor(const CompressOptions& options) {
  const int level = options.level == 0 ? kDefaultLevel : options.level;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    throw Error(ErrorCode::Config, "zstd level " + std::to_string(options.level) + " is out of range", {},
                "Use 1..19 (0 means the default, 1), or " + std::to_string(ZSTD_minCLevel()) + "..-1 for faster.");
  }
  context_.reset(ZSTD_createCCtx());
  if (!context_) throw Error(ErrorCode::Internal, "zstd compression context creation failed");
  check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_compressionLevel, level), "set level");
  check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_checksumFlag, 1), "set checksum flag");
  scratch_size_ = ZSTD_CStreamOutSize();
  scratch_ = std::make_unique_for_overwrite<std::byte[]>(scratch_size_);
}

ZstdCompressor::~ZstdCompressor() = default;

void ZstdCompressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "zstd compressor used after finish()");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  while (input.pos < input.size) {
    ZSTD_outBuffer output{scratch_.get(), scratch_size_, 0};
    check(ZSTD_compressStream2(context_.get(), &output, &input, ZSTD_e_continue), "compression");
    out.insert(out.end(), scratch_.get(), scratch_.get() + output.pos);
  }
}

void ZstdCompressor::finish(std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "zstd compressor finished twice");
  finished_ = true;
  ZSTD_inBuffer input{nullptr, 0, 0};
  for (;;) {
    ZSTD_outBuffer output{scratch_.get(), scratch_size_, 0};
    const std::size_t remaining = ZSTD_compressStream2(context_.get(), &output, &input, ZSTD_e_end);
    check(remaining, "frame end");
    out.insert(out.end(), scratch_.get(), scratch_.get() + output.pos);
    if (remaining == 0) break;
  }
}

}  // namespace wale::codec
