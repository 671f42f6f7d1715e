// PostgreSQL WAL positions and file names, as plain values.
//
// Lsn: a 64-bit WAL location, printed "X/Y" (hex, like pg_lsn).
// WalSegment: a timeline + segment number for a given segment size; its
// 24-hex-digit file name is TTTTTTTTLLLLLLLLSSSSSSSS (PostgreSQL's XLogFileName).
// All functions are pure and thread-safe; parse functions throw Error{Usage}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wale::pg {

constexpr std::uint64_t kDefaultSegmentSize = 16 * 1024 * 1024;

struct Lsn {
  std::uint64_t value = 0;
  static Lsn parse(std::string_view text);  // "16/B374D848"
  std::string to_string() const;
  auto operator<=>(const Lsn&) const = default;
};

struct WalSegment {
  std::uint32_t timeline = 1;
  std::uint64_t segno = 0;  // absolute segment number
  std::uint64_t segment_size = kDefaultSegmentSize;

  static WalSegment from_lsn(std::uint32_t timeline, Lsn lsn, std::uint64_t segment_size = kDefaultSegmentSize);
  // Parses a 24-hex file name; std::nullopt if it is not one.
  static std::optional<WalSegment> parse(std::string_view name, std::uint64_t segment_size = kDefaultSegmentSize);
  std::string file_name() const;
  WalSegment next() const;
  Lsn start_lsn() const { return Lsn{segno * segment_size}; }
  auto operator<=>(const WalSegment&) const = default;
};

// Kinds of files PostgreSQL hands to archive_command.
enum class WalFileKind { Segment, History, BackupHistory, Partial, Invalid };
// Classifies a base name: "000000010000000000000001" (Segment), "00000002.history",
// "000000010000000000000002.00000028.backup", "000000010000000000000003.partial".
WalFileKind classify_wal_file(std::string_view name);

}  // namespace wale::pg
