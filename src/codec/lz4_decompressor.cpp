#include "codec/lz4_decompressor.h"

#include <lz4frame.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "core/error.h"

namespace wale::codec {
namespace {

// Large enough for a whole 4 MiB block (the lz4 tool's default), so liblz4
// decodes blocks straight into it instead of through its own buffer.
constexpr std::size_t kOutputChunk = 4 * 1024 * 1024;

// Out of line on purpose: inlined into a caller's loop, g++ 12 keeps the
// state's lanes in memory (the input may alias them) and runs at half speed.
[[gnu::noinline]] void hash_update(XXH32_state_t* state, const void* data, std::size_t size) {
  XXH32_update(state, data, size);
}

}  // namespace

void Lz4Decompressor::ContextDeleter::operator()(LZ4F_dctx_s* context) const noexcept {
  LZ4F_freeDecompressionContext(context);
}

Lz4Decompressor::Lz4Decompressor(Checksums checksums) {
  if (checksums == Checksums::Required) guard_ = FrameChecksumGuard::lz4();
  LZ4F_dctx* raw = nullptr;
  const std::size_t rc = LZ4F_createDecompressionContext(&raw, LZ4F_VERSION);
  if (LZ4F_isError(rc)) {
    throw Error(ErrorCode::Internal,
                std::string("lz4 decompression context creation failed: ") + LZ4F_getErrorName(rc));
  }
  context_.reset(raw);
}

Lz4Decompressor::~Lz4Decompressor() = default;

void Lz4Decompressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  process_some(in, out, SIZE_MAX);
}

std::size_t Lz4Decompressor::process_some(std::span<const std::byte> in, std::vector<std::byte>& out,
                                          std::size_t out_limit) {
  if (finished_) throw Error(ErrorCode::Internal, "lz4 decompressor used after finish()");
  if (in.empty()) return 0;
  any_input_ = true;
  const std::size_t given = in.size();
  const std::size_t out_start = out.size();
  if (!scratch_) {
    scratch_size_ = kOutputChunk;
    scratch_ = std::make_unique_for_overwrite<std::byte[]>(scratch_size_);
  }
  for (;;) {
    std::size_t produced = scratch_size_;
    std::size_t taken = 0;
    const std::size_t hint = decompress(in, taken, scratch_.get(), produced);
    if (LZ4F_isError(hint)) {
      throw Error(ErrorCode::Corrupt, std::string("lz4 stream corrupt: ") + LZ4F_getErrorName(hint));
    }
    // A call that neither took nor gave bytes (the flush check below, right
    // after a frame ended) reports the next frame's header size; ignore it.
    if (taken == 0 && produced == 0) {
      if (in.empty()) break;
      throw Error(ErrorCode::Internal, "lz4 decompression made no progress");
    }
    if (guard_) {
      guard_->consumed(in.first(taken));
      if (hint == 0) guard_->frame_ended();  // the next input starts a frame
    }
    next_hint_ = hint;
    out.insert(out.end(), scratch_.get(), scratch_.get() + produced);
    in = in.subspan(taken);
    // Stop when the input is used up and liblz4 had no more output to give,
    // or early (input left for the next call) once the caller's limit is met.
    if (in.empty() && produced < scratch_size_) break;
    if (!in.empty() && out.size() - out_start >= out_limit) break;
  }
  return given - in.size();
}

io::Filter::Progress Lz4Decompressor::process_into(std::span<const std::byte> in, std::span<std::byte> out) {
  if (finished_) throw Error(ErrorCode::Internal, "lz4 decompressor used after finish()");
  if (out.empty()) throw Error(ErrorCode::Internal, "lz4 decompressor given no room for output");
  if (!in.empty()) any_input_ = true;
  // liblz4 decodes a block straight into `out` when a whole block fits, else
  // through its own buffer (then an empty `in` flushes what it holds).
  std::size_t produced = out.size();
  std::size_t taken = 0;
  const std::size_t hint = decompress(in, taken, out.data(), produced);
  if (LZ4F_isError(hint)) {
    throw Error(ErrorCode::Corrupt, std::string("lz4 stream corrupt: ") + LZ4F_getErrorName(hint));
  }
  // As in process_some(): a call that neither took nor gave bytes reports
  // the next frame's header size, not the state of the stream.
  if (taken != 0 || produced != 0) {
    if (guard_) {
      guard_->consumed(in.first(taken));
      if (hint == 0) guard_->frame_ended();
    }
    next_hint_ = hint;
  }
  return {taken, produced};
}

std::size_t Lz4Decompressor::decompress(std::span<const std::byte> in, std::size_t& taken, std::byte* out,
                                        std::size_t& produced) {
  taken = 0;
  if (frame_start_ && !in.empty()) {
    // Read the header here when it is all in `in` (else liblz4 gathers it
    // and verifies the frame itself): it says whether to check the content
    // ourselves. An invalid header is left for LZ4F_decompress to report.
    LZ4F_frameInfo_t info{};
    std::size_t header = in.size();
    const std::size_t rc = LZ4F_getFrameInfo(context_.get(), &info, in.data(), &header);
    own_checksum_ = false;
    if (!LZ4F_isError(rc)) {
      frame_start_ = false;
      taken = header;
      in = in.subspan(header);
      own_checksum_ = info.frameType == LZ4F_frame && info.contentChecksumFlag == LZ4F_contentChecksumEnabled &&
                      info.blockChecksumFlag == LZ4F_noBlockChecksum;
      if (own_checksum_) {
        if (!xxh_state_) xxh_state_ = std::make_unique<unsigned char[]>(sizeof(XXH32_state_t));
        XXH32_reset(reinterpret_cast<XXH32_state_t*>(xxh_state_.get()), 0);
      }
    }
  }
  LZ4F_decompressOptions_t options{};
  options.skipChecksums = own_checksum_ ? 1 : 0;
  std::size_t more = in.size();
  const std::size_t hint = LZ4F_decompress(context_.get(), out, &produced, in.data(), &more, &options);
  if (LZ4F_isError(hint)) return hint;
  taken += more;
  if (more > 0) frame_start_ = false;
  if (own_checksum_) {
    auto* state = reinterpret_cast<XXH32_state_t*>(xxh_state_.get());
    if (produced > 0) hash_update(state, out, produced);
    // Keep the last 4 bytes consumed: at the frame's end, its stored checksum.
    if (more >= 4) {
      std::memcpy(trailer_, in.data() + more - 4, 4);
    } else if (more > 0) {
      std::memmove(trailer_, trailer_ + more, 4 - more);
      std::memcpy(trailer_ + 4 - more, in.data(), more);
    }
    if (hint == 0) {
      const std::uint32_t stored =
          static_cast<std::uint32_t>(trailer_[0]) | static_cast<std::uint32_t>(trailer_[1]) << 8 |
          static_cast<std::uint32_t>(trailer_[2]) << 16 | static_cast<std::uint32_t>(trailer_[3]) << 24;
      if (XXH32_digest(state) != stored)
        throw Error(ErrorCode::Corrupt, "lz4 stream corrupt: content checksum mismatch");
    }
  }
  if (hint == 0) {
    frame_start_ = true;  // a next frame (or the end) follows
    own_checksum_ = false;
  }
  return hint;
}

void Lz4Decompressor::finish(std::vector<std::byte>& out) {
  (void)out;
  if (finished_) throw Error(ErrorCode::Internal, "lz4 decompressor finished twice");
  finished_ = true;
  if (!any_input_) throw Error(ErrorCode::Corrupt, "empty input is not an lz4 stream");
  if (next_hint_ != 0) throw Error(ErrorCode::Corrupt, "lz4 stream truncated (frame incomplete)");
}

}  // namespace wale::codec
