// LzopDecompressor: reads any lzop stream lzop 1.04 can read and verifies
// every checksum it carries.
//
// Accepted: header versions 0x0900 and newer (both the pre-0x0940 and the
// current layout); methods LZO1X-1, LZO1X-1(15) and LZO1X-999; adler32 and
// crc32 checksums of the uncompressed and of the compressed data; crc32 header
// checksums; file names; extra header fields; delta filters 1..16 (--filter);
// several lzop streams back to back (as `cat a.lzo b.lzo` gives).
//
// Errors: a bad magic, checksum mismatch, undecodable block, trailing junk
// after the end marker, or a stream cut short throws Error{Corrupt} (the
// truncation check is in finish()). Valid lzop features we cannot decode
// (zlib/NRV methods, multipart or split files, unknown filters, a stream that
// needs a reader newer than lzop 1.04) throw Error{Unsupported}. After a
// throw, `out` holds the verified output of earlier blocks only and the
// filter must be discarded. Calling process() or finish() after finish()
// throws Error{Internal}. Not thread-safe.
//
// Performance: whole blocks are decoded straight into `out` when the caller's
// chunk holds them; otherwise the block is gathered once in a reusable buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/filter.h"

namespace wale::codec {

class LzopDecompressor final : public io::Filter {
 public:
  LzopDecompressor();

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t out_limit) override;
  void finish(std::vector<std::byte>& out) override;

 private:
  enum class State {
    Magic,           // 9 bytes
    Versions,        // version, lib_version
    MethodFlags,     // [version_needed], method, [level], flags
    Fields,          // [filter], mode, mtime_low, [mtime_high], name length
    Name,            // name, header checksum
    ExtraLength,     // u32
    ExtraData,       // streamed, any length
    ExtraChecksum,   // u32
    BlockLength,     // u32 uncompressed length, 0 = end of stream
    BlockSizes,      // u32 compressed length + checksums of the uncompressed data
    BlockChecksums,  // checksums of the compressed data
    BlockData,       // the block
    End,             // after the end marker
  };

  void expect(State state, std::size_t bytes);
  void consume(std::span<const std::byte> unit, std::vector<std::byte>& out);
  void parse_method_flags(std::span<const std::byte> unit);
  void check_header_checksum(std::span<const std::byte> unit);
  void start_blocks();
  void decode_block(std::span<const std::byte> data, std::vector<std::byte>& out);
  std::uint32_t header_sum(std::uint32_t seed, std::span<const std::byte> data) const;
  [[noreturn]] void corrupt(const std::string& what) const;
  [[noreturn]] void unsupported(const std::string& what) const;

  State state_ = State::Magic;
  std::size_t need_ = 0;            // bytes the current state consumes at once
  std::vector<std::byte> pending_;  // a unit that straddles process() calls
  std::vector<std::byte> header_;   // header bytes covered by the header checksum
  std::uint64_t consumed_ = 0;      // input bytes taken so far
  std::uint64_t unit_start_ = 0;    // input offset of the unit being consumed
  bool finished_ = false;
  std::uint32_t streams_ = 0;  // complete lzop streams seen

  std::uint16_t version_ = 0;
  std::uint32_t flags_ = 0;
  std::uint32_t filter_ = 0;
  std::uint32_t extra_remaining_ = 0;
  std::uint32_t extra_sum_ = 0;

  std::uint64_t block_index_ = 0;
  std::uint32_t dst_len_ = 0;
  std::uint32_t src_len_ = 0;
  std::uint32_t d_adler_ = 0;
  std::uint32_t d_crc_ = 0;
  std::uint32_t c_adler_ = 0;
  std::uint32_t c_crc_ = 0;
};

}  // namespace wale::codec
