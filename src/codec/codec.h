// Compression codecs, chosen by name or by object-key extension.
//
//   Codec   extension  container
//   none    ""         raw bytes
//   lzop    ".lzo"     the lzop tool's format (what WAL-E writes and reads)
//   lz4     ".lz4"     LZ4 frame format (the lz4 tool reads it)
//   zstd    ".zst"     Zstandard frame (the zstd tool reads it); the default
//
// make_compressor()/make_decompressor() return io::Filter objects; a
// decompressor throws Error{Corrupt} on malformed or truncated input (checked
// in finish()). Filters are not thread-safe; make one per stream.
#pragma once

#include <memory>
#include <optional>
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
  int level = 0;  // 0 = codec default (zstd 1? see codec.cpp; lz4 fast; lzop LZO1X-1)
  // lzop header fields, to be byte-compatible with `lzop -c`.
  std::uint32_t lzop_mode = 0;   // st_mode of the input file, 0 for a pipe
  std::uint32_t lzop_mtime = 0;  // seconds since the epoch
};

std::unique_ptr<io::Filter> make_compressor(Codec codec, const CompressOptions& options = {});
std::unique_ptr<io::Filter> make_decompressor(Codec codec);

}  // namespace wale::codec
