// lzop container constants and big-endian helpers, shared by the lzop
// compressor and decompressor. Pure constants and inline functions; no state.
//
// Layout (all integers big-endian), as written by lzop 1.04 for `lzop -c`:
//   magic[9]
//   u16 version, u16 lib_version,
//   [u16 version_needed]            if version >= 0x0940
//   u8 method, [u8 level]           level if version >= 0x0940
//   u32 flags, [u32 filter]         filter if flags & kFlagHFilter
//   u32 mode, u32 mtime_low, [u32 mtime_high]   mtime_high if version >= 0x0940
//   u8 name_len, name[name_len]
//   u32 header checksum             adler32, or crc32 if flags & kFlagHCrc32,
//                                   over every byte from `version` to the name
//   [u32 extra_len, extra[extra_len], u32 extra checksum]   if kFlagHExtraField
// then blocks:
//   u32 uncompressed_len (0 ends the stream)
//   u32 compressed_len   (== uncompressed_len: the block is stored raw)
//   [u32 adler32(uncompressed)] [u32 crc32(uncompressed)]   per flags
//   [u32 adler32(compressed)]   [u32 crc32(compressed)]     per flags, only
//                                                           when compressed
//   data[compressed_len]
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wale::codec::lzop {

inline constexpr std::array<std::byte, 9> kMagic = {std::byte{0x89}, std::byte{0x4C}, std::byte{0x5A},
                                                    std::byte{0x4F}, std::byte{0x00}, std::byte{0x0D},
                                                    std::byte{0x0A}, std::byte{0x1A}, std::byte{0x0A}};

// What we write: the same fields lzop 1.04 writes for `lzop -c` (LZO1X-1).
inline constexpr std::uint16_t kVersion = 0x1040;
inline constexpr std::uint16_t kVersionNeeded = 0x0940;
inline constexpr std::uint16_t kLibVersionFallback = 0x20A0;  // LZO 2.10
inline constexpr std::uint8_t kLevel = 5;

// What we read: lzop refuses streams older than 0x0900 or needing a newer reader.
inline constexpr std::uint16_t kMinReadableVersion = 0x0900;
inline constexpr std::uint16_t kMaxVersionNeeded = 0x1040;
// Header layout changed at this version (version_needed, level, mtime_high added).
inline constexpr std::uint16_t kVersionNewHeader = 0x0940;

// Methods. All three are LZO1X streams decoded by lzo1x_decompress_safe().
inline constexpr std::uint8_t kMethodLzo1x1 = 1;
inline constexpr std::uint8_t kMethodLzo1x1_15 = 2;
inline constexpr std::uint8_t kMethodLzo1x999 = 3;

// Flags.
inline constexpr std::uint32_t kFlagAdler32D = 0x00000001;
inline constexpr std::uint32_t kFlagAdler32C = 0x00000002;
inline constexpr std::uint32_t kFlagStdin = 0x00000004;
inline constexpr std::uint32_t kFlagStdout = 0x00000008;
inline constexpr std::uint32_t kFlagNameDefault = 0x00000010;
inline constexpr std::uint32_t kFlagDosish = 0x00000020;
inline constexpr std::uint32_t kFlagHExtraField = 0x00000040;
inline constexpr std::uint32_t kFlagHGmtDiff = 0x00000080;
inline constexpr std::uint32_t kFlagCrc32D = 0x00000100;
inline constexpr std::uint32_t kFlagCrc32C = 0x00000200;
inline constexpr std::uint32_t kFlagMultipart = 0x00000400;
inline constexpr std::uint32_t kFlagHFilter = 0x00000800;
inline constexpr std::uint32_t kFlagHCrc32 = 0x00001000;
inline constexpr std::uint32_t kFlagHPath = 0x00002000;
inline constexpr std::uint32_t kFlagMask = 0x00003FFF;
inline constexpr std::uint32_t kFlagOsMask = 0xFF000000;
inline constexpr std::uint32_t kFlagCharsetMask = 0x00F00000;
inline constexpr std::uint32_t kFlagReserved = ~(kFlagMask | kFlagOsMask | kFlagCharsetMask);
inline constexpr std::uint32_t kOsUnix = 0x03000000;

inline constexpr std::uint32_t kWriteFlags = kFlagAdler32D | kFlagStdin | kFlagStdout | kOsUnix;

// Filters (flags & kFlagHFilter): 1..16 are byte-delta filters with that lag.
inline constexpr std::uint32_t kMaxDeltaFilter = 16;

// Block sizes. We write 256 KiB blocks like lzop; lzop reads blocks up to 64 MiB.
inline constexpr std::size_t kBlockSize = 256 * 1024;
inline constexpr std::uint32_t kMaxBlockSize = 64 * 1024 * 1024;
// A block length of all ones marks a split (multi-volume) file lzop never wrote.
inline constexpr std::uint32_t kSplitMarker = 0xFFFFFFFF;

inline constexpr std::uint32_t kCrc32Init = 0;

// Fixed header size we write: magic + 25 bytes of fields + u32 checksum.
inline constexpr std::size_t kWrittenHeaderSize = 9 + 25 + 4;

// Worst-case LZO1X output for `n` input bytes (from the LZO documentation).
constexpr std::size_t lzo1x_bound(std::size_t n) { return n + n / 16 + 64 + 3; }

inline std::uint32_t load_be32(const std::byte* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}
inline std::uint16_t load_be16(const std::byte* p) {
  return static_cast<std::uint16_t>((std::uint32_t(p[0]) << 8) | std::uint32_t(p[1]));
}
inline void store_be32(std::byte* p, std::uint32_t v) {
  p[0] = std::byte(v >> 24);
  p[1] = std::byte(v >> 16);
  p[2] = std::byte(v >> 8);
  p[3] = std::byte(v);
}
inline void store_be16(std::byte* p, std::uint16_t v) {
  p[0] = std::byte(v >> 8);
  p[1] = std::byte(v);
}

}  // namespace wale::codec::lzop
