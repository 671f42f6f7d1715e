// LZO1X block decoder: decodes one block of LZO1X data (any of liblzo2's
// LZO1X compressors: -1, -1(15), -999) into a caller-sized buffer.
//
// Why not liblzo2's lzo1x_decompress_safe(): the Debian build is generic C
// that copies matches a byte at a time, ~600-800 MB/s here; WAL is full of
// long zero runs and short-distance repeats. This decoder copies 16 bytes at
// a time when the buffers leave room and uses memset for distance-1 runs,
// which makes a 16 MiB WAL segment several times faster to decode. It accepts
// and rejects exactly what lzo1x_decompress_safe() does (checked by a
// differential test against liblzo2 on valid and corrupted blocks).
//
// Safety: never reads outside `in` nor writes outside `out`, whatever the
// input. Pure function; thread-safe; never throws.
#pragma once

#include <cstddef>
#include <span>

namespace wale::codec::lzo1x {

enum class Status {
  Ok,                 // decoded, all input consumed
  InputOverrun,       // the block ends in the middle of an instruction
  OutputOverrun,      // the block decodes to more than out.size() bytes
  LookbehindOverrun,  // a match refers to before the start of the output
  InputNotConsumed,   // the end marker comes before the end of the block
};

struct Result {
  Status status;
  std::size_t produced;  // bytes written to out (meaningful for Ok)
};

Result decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept;

const char* to_string(Status status) noexcept;

}  // namespace wale::codec::lzo1x
