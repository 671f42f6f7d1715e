#include "codec/zstd_decompressor.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <cstdint>
#include <string>

#include "core/error.h"

namespace wale::codec {
namespace {

constexpr std::size_t kOutputChunk = 1024 * 1024;

}  // namespace

void ZstdDecompressor::ContextDeleter::operator()(ZSTD_DCtx_s* context) const noexcept { ZSTD_freeDCtx(context); }

ZstdDecompressor::ZstdDecompressor(Checksums checksums) {
  if (checksums == Checksums::Required) guard_ = FrameChecksumGuard::zstd();
  context_.reset(ZSTD_createDCtx());
  if (!context_) throw Error(ErrorCode::Internal, "zstd decompression context creation failed");
}

ZstdDecompressor::~ZstdDecompressor() = default;

void ZstdDecompressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  process_some(in, out, SIZE_MAX);
}

std::size_t ZstdDecompressor::process_some(std::span<const std::byte> in, std::vector<std::byte>& out,
                                           std::size_t out_limit) {
  if (finished_) throw Error(ErrorCode::Internal, "zstd decompressor used after finish()");
  if (in.empty()) return 0;
  any_input_ = true;
  const std::size_t out_start = out.size();
  if (!scratch_) {
    scratch_size_ = kOutputChunk;
    scratch_ = std::make_unique_for_overwrite<std::byte[]>(scratch_size_);
  }
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{scratch_.get(), scratch_size_, 0};
    const std::size_t taken_before = input.pos;
    const std::size_t rc = ZSTD_decompressStream(context_.get(), &output, &input);
    if (ZSTD_isError(rc)) {
      const std::string message = std::string("zstd stream corrupt: ") + ZSTD_getErrorName(rc);
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
        throw Error(ErrorCode::Unsupported, "zstd frame needs a window larger than 128 MiB");
      }
      throw Error(ErrorCode::Corrupt, message);
    }
    const bool progressed = input.pos != taken_before || output.pos != 0;
    // A call that made no progress (the flush check right after a frame
    // ended) reports the next frame's header size; keep the frame-end 0.
    if (progressed) {
      last_result_ = rc;
      if (guard_) {
        guard_->consumed(in.subspan(taken_before, input.pos - taken_before));
        if (rc == 0) guard_->frame_ended();  // zstd stops at a frame's end: the next input starts one
      }
    }
    out.insert(out.end(), scratch_.get(), scratch_.get() + output.pos);
    // Done when all input is taken and zstd had no more output pending, or
    // early (input left for the next call) once the caller's limit is met.
    if (input.pos == input.size && output.pos < output.size) break;
    if (input.pos < input.size && out.size() - out_start >= out_limit) break;
  }
  return input.pos;
}

io::Filter::Progress ZstdDecompressor::process_into(std::span<const std::byte> in, std::span<std::byte> out) {
  if (finished_) throw Error(ErrorCode::Internal, "zstd decompressor used after finish()");
  if (out.empty()) throw Error(ErrorCode::Internal, "zstd decompressor given no room for output");
  if (!in.empty()) any_input_ = true;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  const std::size_t rc = ZSTD_decompressStream(context_.get(), &output, &input);
  if (ZSTD_isError(rc)) {
    if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
      throw Error(ErrorCode::Unsupported, "zstd frame needs a window larger than 128 MiB");
    }
    throw Error(ErrorCode::Corrupt, std::string("zstd stream corrupt: ") + ZSTD_getErrorName(rc));
  }
  // As in process_some(): a call without progress reports the next frame's header size.
  if (input.pos != 0 || output.pos != 0) {
    last_result_ = rc;
    if (guard_) {
      guard_->consumed(in.first(input.pos));
      if (rc == 0) guard_->frame_ended();
    }
  }
  return {input.pos, output.pos};
}

void ZstdDecompressor::finish(std::vector<std::byte>& out) {
  (void)out;
  if (finished_) throw Error(ErrorCode::Internal, "zstd decompressor finished twice");
  finished_ = true;
  if (!any_input_) throw Error(ErrorCode::Corrupt, "empty input is not a zstd stream");
  if (last_result_ != 0) throw Error(ErrorCode::Corrupt, "zstd stream truncated (frame incomplete)");
}

}  // namespace wale::codec
