#include "codec/lz4_compressor.h"

#include <lz4frame.h>

#include <algorithm>
#include <string>

#include "core/error.h"

namespace wale::codec {
namespace {

// Input is handed to liblz4 at most this much at a time, so the output
// scratch buffer has a fixed worst-case size.
constexpr std::size_t kInputChunk = 1024 * 1024;
constexpr int kMinLevel = -65535;
constexpr int kMaxLevel = 12;

void check(std::size_t rc, const char* what) {
  if (LZ4F_isError(rc)) {
    throw Error(ErrorCode::Internal, std::string("lz4 ") + what + " failed: " + LZ4F_getErrorName(rc));
  }
}

}  // namespace

struct Lz4Compressor::Preferences {
  LZ4F_preferences_t value{};
};

void Lz4Compressor::ContextDeleter::operator()(LZ4F_cctx_s* context) const noexcept {
  LZ4F_freeCompressionContext(context);
}

Lz4Compressor::Lz4Compressor(const CompressOptions& options) : preferences_(std::make_unique<Preferences>()) {
  if (options.level < kMinLevel || options.level > kMaxLevel) {
    throw Error(ErrorCode::Config, "lz4 level " + std::to_string(options.level) + " is out of range", {},
                "Use 0 (fast, the default), a negative value for faster, or 3..12 for LZ4HC.");
  }
  LZ4F_cctx* raw = nullptr;
  check(LZ4F_createCompressionContext(&raw, LZ4F_VERSION), "context creation");
  context_.reset(raw);

  LZ4F_preferences_t& prefs = preferences_->value;
  prefs.frameInfo.blockSizeID = LZ4F_max256KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  prefs.compressionLevel = options.level;

  scratch_size_ = std::max<std::size_t>(LZ4F_compressBound(kInputChunk, &prefs), LZ4F_HEADER_SIZE_MAX);
  scratch_ = std::make_unique_for_overwrite<std::byte[]>(scratch_size_);
}

Lz4Compressor::~Lz4Compressor() = default;

void Lz4Compressor::begin(std::vector<std::byte>& out) {
  const std::size_t n = LZ4F_compressBegin(context_.get(), scratch_.get(), scratch_size_, &preferences_->value);
  check(n, "frame start");
  out.insert(out.end(), scratch_.get(), scratch_.get() + n);
  begun_ = true;
}

void Lz4Compressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "lz4 compressor used after finish()");
  if (!begun_) begin(out);
  while (!in.empty()) {
    const std::size_t take = std::min(in.size(), kInputChunk);
    const std::size_t n = LZ4F_compressUpdate(context_.get(), scratch_.get(), scratch_size_, in.data(), take, nullptr);
    check(n, "compression");
    out.insert(out.end(), scratch_.get(), scratch_.get() + n);
    in = in.subspan(take);
  }
}

void Lz4Compressor::finish(std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "lz4 compressor finished twice");
  if (!begun_) begin(out);
  const std::size_t n = LZ4F_compressEnd(context_.get(), scratch_.get(), scratch_size_, nullptr);
  check(n, "frame end");
  out.insert(out.end(), scratch_.get(), scratch_.get() + n);
  finished_ = true;
}

}  // namespace wale::codec
