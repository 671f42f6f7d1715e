#include "codec/lzop_compressor.h"

#include <lzo/lzo1x.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "codec/adler32.h"
#include "codec/lzo_library.h"
#include "codec/lzop_format.h"
#include "core/error.h"

namespace wale::codec {

LzopCompressor::LzopCompressor(const CompressOptions& options) : mode_(options.lzop_mode), mtime_(options.lzop_mtime) {
  lzo::ensure_initialized();
  work_memory_ = std::make_unique_for_overwrite<std::byte[]>(LZO1X_1_MEM_COMPRESS);
}

void LzopCompressor::write_header(std::vector<std::byte>& out) {
  std::byte h[lzop::kWrittenHeaderSize];
  std::memcpy(h, lzop::kMagic.data(), lzop::kMagic.size());
  std::byte* p = h + lzop::kMagic.size();
  const std::uint16_t lib = lzo::library_version();
  lzop::store_be16(p, lzop::kVersion);
  lzop::store_be16(p + 2, lib != 0 ? lib : lzop::kLibVersionFallback);
  lzop::store_be16(p + 4, lzop::kVersionNeeded);
  p[6] = std::byte{lzop::kMethodLzo1x1};
  p[7] = std::byte{lzop::kLevel};
  lzop::store_be32(p + 8, lzop::kWriteFlags);
  lzop::store_be32(p + 12, mode_);
  lzop::store_be32(p + 16, mtime_);
  lzop::store_be32(p + 20, 0);  // mtime_high
  p[24] = std::byte{0};         // no file name
  const std::uint32_t sum = adler32(kAdler32Init, std::span<const std::byte>(p, 25));
  lzop::store_be32(p + 25, sum);
  out.insert(out.end(), h, h + sizeof h);
  header_written_ = true;
}

void LzopCompressor::write_block(std::span<const std::byte> block, std::vector<std::byte>& out) {
  const std::size_t base = out.size();
  const std::size_t n = block.size();
  out.resize(base + 12 + lzop::lzo1x_bound(n));
  std::byte* head = out.data() + base;
  std::byte* data = head + 12;

  lzo_uint packed = 0;
  const int rc = lzo1x_1_compress(reinterpret_cast<const unsigned char*>(block.data()), n,
                                  reinterpret_cast<unsigned char*>(data), &packed, work_memory_.get());
  if (rc != LZO_E_OK) {
    out.resize(base);
    throw Error(ErrorCode::Internal, "lzo1x_1_compress failed with code " + std::to_string(rc));
  }
  const bool stored = packed >= n;
  if (stored) {
    std::memcpy(data, block.data(), n);
    packed = n;
  }
  lzop::store_be32(head, static_cast<std::uint32_t>(n));
  lzop::store_be32(head + 4, static_cast<std::uint32_t>(packed));
  lzop::store_be32(head + 8, adler32(kAdler32Init, block));
  out.resize(base + 12 + packed);
}

void LzopCompressor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "lzop compressor used after finish()");
  if (!header_written_) write_header(out);
  if (in.empty()) return;

  if (!pending_.empty()) {
    const std::size_t take = std::min(lzop::kBlockSize - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    in = in.subspan(take);
    if (pending_.size() < lzop::kBlockSize) return;
    write_block(pending_, out);
    pending_.clear();
  }
  // Whole blocks straight from the caller's buffer, no copy.
  while (in.size() >= lzop::kBlockSize) {
    write_block(in.first(lzop::kBlockSize), out);
    in = in.subspan(lzop::kBlockSize);
  }
  if (!in.empty()) {
    pending_.reserve(lzop::kBlockSize);
    pending_.assign(in.begin(), in.end());
  }
}

void LzopCompressor::finish(std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "lzop compressor finished twice");
  if (!header_written_) write_header(out);
  if (!pending_.empty()) {
    write_block(pending_, out);
    pending_.clear();
  }
  const std::byte end[4] = {};
  out.insert(out.end(), end, end + 4);
  finished_ = true;
}

}  // namespace wale::codec
