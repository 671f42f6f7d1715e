#include "codec/lzop_decompressor.h"

#include <algorithm>
#include <cstring>

#include "codec/adler32.h"
#include "codec/lzo1x_decoder.h"
#include "codec/lzo_library.h"
#include "codec/lzop_format.h"
#include "core/error.h"

namespace wale::codec {
namespace {

std::string hex(std::uint32_t v, int width = 8) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xF];
  return s;
}

std::size_t count_bits(std::uint32_t flags, std::uint32_t a, std::uint32_t b) {
  return ((flags & a) ? 1u : 0u) + ((flags & b) ? 1u : 0u);
}

// Undoes lzop's delta filter: each byte was stored as the difference from the
// byte `lag` positions earlier in the same block.
void undo_delta_filter(std::byte* p, std::size_t n, std::size_t lag) {
  for (std::size_t i = lag; i < n; ++i) {
    p[i] =
        std::byte(static_cast<unsigned char>(std::to_integer<unsigned>(p[i]) + std::to_integer<unsigned>(p[i - lag])));
  }
}

}  // namespace

LzopDecompressor::LzopDecompressor() {
  lzo::ensure_initialized();
  expect(State::Magic, lzop::kMagic.size());
}

void LzopDecompressor::expect(State state, std::size_t bytes) {
  state_ = state;
  need_ = bytes;
}

void LzopDecompressor::corrupt(const std::string& what) const {
  throw Error(ErrorCode::Corrupt, "lzop stream corrupt at byte " + std::to_string(unit_start_) + ": " + what);
}

void LzopDecompressor::unsupported(const std::string& what) const {
  throw Error(ErrorCode::Unsupported, "lzop stream not supported: " + what);
}

std::uint32_t LzopDecompressor::header_sum(std::uint32_t seed_adler_or_crc, std::span<const std::byte> data) const {
  return (flags_ & lzop::kFlagHCrc32) ? lzo::crc32(seed_adler_or_crc, data) : adler32(seed_adler_or_crc, data);
}

void LzopDecompressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  process_some(in, out, SIZE_MAX);
}

std::size_t LzopDecompressor::process_some(std::span<const std::byte> in, std::vector<std::byte>& out,
                                           std::size_t out_limit) {
  if (finished_) throw Error(ErrorCode::Internal, "lzop decompressor used after finish()");
  const std::size_t given = in.size();
  const std::size_t out_start = out.size();
  // Early stop (input left for the next call) once the caller's limit is met.
  while (!in.empty() && out.size() - out_start < out_limit) {
    if (state_ == State::End) {
      // Another lzop stream may follow (lzop -d decodes concatenations).
      expect(State::Magic, lzop::kMagic.size());
    }
    if (state_ == State::ExtraData) {
      const std::size_t take = std::min<std::size_t>(extra_remaining_, in.size());
      extra_sum_ = header_sum(extra_sum_, in.first(take));
      extra_remaining_ -= static_cast<std::uint32_t>(take);
      consumed_ += take;
      in = in.subspan(take);
      if (extra_remaining_ == 0) expect(State::ExtraChecksum, 4);
      continue;
    }
    if (pending_.empty() && in.size() >= need_) {
      unit_start_ = consumed_;
      consumed_ += need_;
      const auto unit = in.first(need_);
      in = in.subspan(need_);
      consume(unit, out);
      continue;
    }
    if (pending_.empty()) {
      unit_start_ = consumed_;
      pending_.reserve(need_);
    }
    const std::size_t take = std::min(need_ - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    consumed_ += take;
    in = in.subspan(take);
    if (pending_.size() == need_) {
      consume(pending_, out);
      pending_.clear();
    }
  }
  return given - in.size();
}

void LzopDecompressor::consume(std::span<const std::byte> unit, std::vector<std::byte>& out) {
  const std::byte* p = unit.data();
  switch (state_) {
    case State::Magic:
      if (std::memcmp(p, lzop::kMagic.data(), lzop::kMagic.size()) != 0) {
        if (streams_ > 0) corrupt("trailing data after the end of the lzop stream");
        corrupt("not an lzop stream (bad magic)");
      }
      header_.clear();
      flags_ = 0;
      filter_ = 0;
      expect(State::Versions, 4);
      return;

    case State::Versions:
      header_.insert(header_.end(), unit.begin(), unit.end());
      version_ = lzop::load_be16(p);
      if (version_ < lzop::kMinReadableVersion) {
        corrupt("header version " + hex(version_, 4) + " is older than any lzop release");
      }
      expect(State::MethodFlags, version_ >= lzop::kVersionNewHeader ? 8 : 5);
      return;

    case State::MethodFlags:
      header_.insert(header_.end(), unit.begin(), unit.end());
      parse_method_flags(unit);
      return;

    case State::Fields: {
      header_.insert(header_.end(), unit.begin(), unit.end());
      if (flags_ & lzop::kFlagHFilter) {
        filter_ = lzop::load_be32(p);
        if (filter_ > lzop::kMaxDeltaFilter) unsupported("filter " + std::to_string(filter_));
      }
      const auto name_length = std::to_integer<std::size_t>(unit.back());
      expect(State::Name, name_length + 4);
      return;
    }

    case State::Name:
      check_header_checksum(unit);
      if (flags_ & lzop::kFlagHExtraField) {
        expect(State::ExtraLength, 4);
      } else {
        start_blocks();
      }
      return;

    case State::ExtraLength: {
      const std::uint32_t seed = (flags_ & lzop::kFlagHCrc32) ? lzop::kCrc32Init : kAdler32Init;
      extra_sum_ = header_sum(seed, unit);  // the checksum covers the length too
      extra_remaining_ = lzop::load_be32(p);
      if (extra_remaining_ == 0) {
        expect(State::ExtraChecksum, 4);
      } else {
        state_ = State::ExtraData;
      }
      return;
    }

    case State::ExtraData: return;  // streamed in process()

    case State::ExtraChecksum:
      if (lzop::load_be32(p) != extra_sum_) corrupt("extra header field checksum mismatch");
      start_blocks();
      return;

    case State::BlockLength:
      dst_len_ = lzop::load_be32(p);
      if (dst_len_ == 0) {
        ++streams_;
        state_ = State::End;
        return;
      }
      ++block_index_;
      if (dst_len_ == lzop::kSplitMarker) unsupported("split (multi-volume) lzop file");
      if (dst_len_ > lzop::kMaxBlockSize) {
        corrupt("block " + std::to_string(block_index_) + " claims " + std::to_string(dst_len_) +
                " bytes, more than lzop's 64 MiB limit");
      }
      expect(State::BlockSizes, 4 + 4 * count_bits(flags_, lzop::kFlagAdler32D, lzop::kFlagCrc32D));
      return;

    case State::BlockSizes: {
      src_len_ = lzop::load_be32(p);
      p += 4;
      if (flags_ & lzop::kFlagAdler32D) {
        d_adler_ = lzop::load_be32(p);
        p += 4;
      }
      if (flags_ & lzop::kFlagCrc32D) d_crc_ = lzop::load_be32(p);
      if (src_len_ == 0 || src_len_ > dst_len_) {
        corrupt("block " + std::to_string(block_index_) + " has compressed length " + std::to_string(src_len_) +
                " for " + std::to_string(dst_len_) + " bytes");
      }
      const std::size_t c_sums = src_len_ < dst_len_ ? count_bits(flags_, lzop::kFlagAdler32C, lzop::kFlagCrc32C) : 0;
      if (c_sums > 0) {
        expect(State::BlockChecksums, 4 * c_sums);
      } else {
        expect(State::BlockData, src_len_);
      }
      return;
    }

    case State::BlockChecksums:
      if (flags_ & lzop::kFlagAdler32C) {
        c_adler_ = lzop::load_be32(p);
        p += 4;
      }
      if (flags_ & lzop::kFlagCrc32C) c_crc_ = lzop::load_be32(p);
      expect(State::BlockData, src_len_);
      return;

    case State::BlockData:
      decode_block(unit, out);
      expect(State::BlockLength, 4);
      return;

    case State::End: return;
  }
}

void LzopDecompressor::parse_method_flags(std::span<const std::byte> unit) {
  const std::byte* p = unit.data();
  std::uint8_t method = 0;
  if (version_ >= lzop::kVersionNewHeader) {
    const std::uint16_t needed = lzop::load_be16(p);
    if (needed > lzop::kMaxVersionNeeded) {
      unsupported("needs lzop " + hex(needed, 4) + " or newer to extract");
    }
    method = std::to_integer<std::uint8_t>(p[2]);
    flags_ = lzop::load_be32(p + 4);
  } else {
    method = std::to_integer<std::uint8_t>(p[0]);
    flags_ = lzop::load_be32(p + 1);
  }
  if (method != lzop::kMethodLzo1x1 && method != lzop::kMethodLzo1x1_15 && method != lzop::kMethodLzo1x999) {
    unsupported("compression method " + std::to_string(method) + " (only LZO1X is built in)");
  }
  if (flags_ & lzop::kFlagReserved) corrupt("header has unknown flag bits " + hex(flags_));
  if (flags_ & lzop::kFlagMultipart) unsupported("multipart lzop file");
  const std::size_t fields =
      ((flags_ & lzop::kFlagHFilter) ? 4 : 0) + 4 + 4 + (version_ >= lzop::kVersionNewHeader ? 4 : 0) + 1;
  expect(State::Fields, fields);
}

void LzopDecompressor::check_header_checksum(std::span<const std::byte> unit) {
  const std::size_t name_length = unit.size() - 4;
  header_.insert(header_.end(), unit.begin(), unit.begin() + static_cast<std::ptrdiff_t>(name_length));
  const std::uint32_t stored = lzop::load_be32(unit.data() + name_length);
  const std::uint32_t seed = (flags_ & lzop::kFlagHCrc32) ? lzop::kCrc32Init : kAdler32Init;
  const std::uint32_t computed = header_sum(seed, header_);
  if (stored != computed) {
    corrupt("header checksum mismatch (stored " + hex(stored) + ", computed " + hex(computed) + ")");
  }
}

void LzopDecompressor::start_blocks() {
  block_index_ = 0;
  expect(State::BlockLength, 4);
}

void LzopDecompressor::decode_block(std::span<const std::byte> data, std::vector<std::byte>& out) {
  // Built only for an error message: no allocation per block on the hot path.
  const auto block = [this] { return "block " + std::to_string(block_index_); };
  const std::size_t base = out.size();
  if (src_len_ < dst_len_) {
    if ((flags_ & lzop::kFlagAdler32C) && adler32(kAdler32Init, data) != c_adler_) {
      corrupt(block() + " compressed-data adler32 mismatch");
    }
    if ((flags_ & lzop::kFlagCrc32C) && lzo::crc32(lzop::kCrc32Init, data) != c_crc_) {
      corrupt(block() + " compressed-data crc32 mismatch");
    }
    out.resize(base + dst_len_);
    const lzo1x::Result r = lzo1x::decompress(data, std::span<std::byte>(out.data() + base, dst_len_));
    if (r.status != lzo1x::Status::Ok || r.produced != dst_len_) {
      out.resize(base);
      corrupt(block() + " does not decompress (LZO1X " +
              (r.status == lzo1x::Status::Ok ? std::string("short output") : std::string(lzo1x::to_string(r.status))) +
              ")");
    }
  } else {
    out.insert(out.end(), data.begin(), data.end());
  }

  std::byte* decoded = out.data() + base;
  if (filter_ != 0) undo_delta_filter(decoded, dst_len_, filter_);
  const std::span<const std::byte> plain(decoded, dst_len_);
  if (flags_ & lzop::kFlagAdler32D) {
    const std::uint32_t sum = adler32(kAdler32Init, plain);
    if (sum != d_adler_) {
      out.resize(base);
      corrupt(block() + " adler32 mismatch (stored " + hex(d_adler_) + ", computed " + hex(sum) + ")");
    }
  }
  if (flags_ & lzop::kFlagCrc32D) {
    const std::uint32_t sum = lzo::crc32(lzop::kCrc32Init, plain);
    if (sum != d_crc_) {
      out.resize(base);
      corrupt(block() + " crc32 mismatch (stored " + hex(d_crc_) + ", computed " + hex(sum) + ")");
    }
  }
}

void LzopDecompressor::finish(std::vector<std::byte>& out) {
  (void)out;
  if (finished_) throw Error(ErrorCode::Internal, "lzop decompressor finished twice");
  finished_ = true;
  if (state_ == State::End && pending_.empty()) return;
  unit_start_ = consumed_;
  if (consumed_ == 0) corrupt("empty input is not an lzop stream");
  if (state_ == State::Magic && streams_ > 0) corrupt("trailing data after the end of the lzop stream");
  switch (state_) {
    case State::BlockLength:
      corrupt("stream truncated after block " + std::to_string(block_index_) + " (no end marker)");
    case State::BlockSizes:
    case State::BlockChecksums:
    case State::BlockData: corrupt("stream truncated inside block " + std::to_string(block_index_));
    default: corrupt("stream truncated inside the header");
  }
}

}  // namespace wale::codec
