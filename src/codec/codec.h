// Compression codecs, chosen by name or by object-key extension.
//
//   Codec   extension  container
//   none    ""         raw bytes
//   lzop    ".lzo"     the lzop tool's format (what WAL-E writes and reads)
//   lz4     ".lz4"     LZ4 frame format (the lz4 tool reads it)
//   zstd    ".zst"     Zstandard frame (the zstd tool reads it); the default
//
// make_compressor()/make_decompressor() return io::Filter objects; a
// decompressor throws Error{Corrupt} on malformed input, a checksum mismatch,
// trailing junk or empty input as soon as it sees it, and on a truncated
// stream in finish(); Error{Unsupported} for valid but unbuilt variants
// (e.g. lzop's zlib method). Filters are not thread-safe; make one per stream,
// and discard it after it throws. See docs/codecs.md.
//
// Default levels (CompressOptions::level == 0), picked for throughput:
//   lzop  LZO1X-1 always (level ignored), exactly what `lzop -c` / WAL-E write
//   lz4   LZ4 fast mode (acceleration 1); <0 faster, 3..12 LZ4HC; 256 KiB
//         independent blocks, content checksum on
//   zstd  level 1, content checksum on; ZSTD_minCLevel()..ZSTD_maxCLevel()
// An out-of-range level makes make_compressor() throw Error{Config}.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "io/filter.h"

namespace wale::codec {

enum class Codec { None, Lzop, Lz4, Zstd };

// "none", "lzop"/"lzo", "lz4", "zstd"/"zst"; throws Error{Config} otherwise.
Codec parse_codec(std::string_view name);
std::string_view codec_name(Codec codec);
// ".lzo", ".lz4", ".zst" or "" for None.
std::string_view extension(Codec codec);
// The codec whose extension ends `key`; None when the key has no known extension.
Codec codec_from_key(std::string_view key);

struct CompressOptions {
  int level = 0;  // 0 = codec default (zstd 1, lz4 fast, lzop LZO1X-1); see above
  // lzop header fields, to be byte-compatible with `lzop -c`.
  std::uint32_t lzop_mode = 0;   // st_mode of the input file, 0 for a pipe
  std::uint32_t lzop_mtime = 0;  // seconds since the epoch
};

std::unique_ptr<io::Filter> make_compressor(Codec codec, const CompressOptions& options = {});
std::unique_ptr<io::Filter> make_decompressor(Codec codec);
// A decompressor that verifies every byte it outputs against a checksum the
// writer stored in the stream, and refuses (Error{Corrupt}) a stream without
// one: lz4 and zstd (every frame must carry its content checksum, as wal-e
// writes them; see FrameChecksumGuard). nullptr for none and lzop (lzop's
// optional block checksums are not required of WAL-E's objects):
// use make_decompressor() and keep the store's own check
// (store::ObjectStore::get_verified_by_reader).
std::unique_ptr<io::Filter> make_verifying_decompressor(Codec codec);
// True when `head`, the first kFrameHeadSize (5) bytes of a stream, begins a
// frame that make_verifying_decompressor(codec) accepts. A stream written
// without content checksums (`lz4 --no-frame-crc`, other tools) does not: read
// it with make_decompressor() and the store's own check instead of refusing it.
// (A later frame without one is still refused by the verifying decompressor.)
bool starts_with_checksummed_frame(Codec codec, std::span<const std::byte> head);

}  // namespace wale::codec
