// The archive key space, WAL-E format "005". Pure functions, no I/O.
//
//   wal_005/<walfile><ext>
//   basebackups_005/base_<SEG>_<OFF>_backup_stop_sentinel.json   (completion marker)
//   basebackups_005/base_<SEG>_<OFF>/extended_version.txt
//   basebackups_005/base_<SEG>_<OFF>/tar_partitions/part_<%08d>.tar<ext>
//   basebackups_005/base_<SEG>_<OFF>/backup_manifest   (PostgreSQL's format, layout/backup_manifest.h)
//   basebackups_005/base_<SEG>_<OFF>/permanent         (retention never deletes the backup)
//   cluster_identity.json                              (layout/cluster_identity.h)
//   basebackups_00N/, wal_00N/ for N < 5               (older WAL-E formats; only deleted)
//
// Keys are relative to the store's root (the prefix is the store's business).
// Thread-safe; parse functions return std::nullopt for non-matching input.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/codec.h"
#include "pg/lsn.h"

namespace wale::layout {

inline constexpr std::string_view kWalDir = "wal_005/";
inline constexpr std::string_view kBackupsDir = "basebackups_005/";
inline constexpr std::string_view kSentinelSuffix = "_backup_stop_sentinel.json";

// A backup name: base_<24 hex start segment>_<8 digit offset>.
struct BackupName {
  std::string segment;  // 24 hex
  std::string offset;   // 8 chars (decimal byte offset, zero-padded, as WAL-E writes it)

  static BackupName from_start(const std::string& segment, std::uint64_t offset);
  static std::optional<BackupName> parse(std::string_view name);
  std::string str() const { return "base_" + segment + "_" + offset; }
  // The start segment (with its timeline), or nullopt if `segment` does not
  // parse with this segment size.
  std::optional<pg::WalSegment> start_segment(std::uint64_t segment_size = pg::kDefaultSegmentSize) const;
  bool operator==(const BackupName&) const = default;
};

std::string wal_key(std::string_view wal_file_name, codec::Codec codec);
// The WAL file name a wal_005/ key holds (extension stripped), or nullopt.
std::optional<std::string> wal_name_from_key(std::string_view key);

// A WAL file in the archive, as a typed value parsed from its key.
struct WalObject {
  std::string key;
  std::string name;  // the WAL file name (codec extension stripped)
  pg::WalFileKind kind = pg::WalFileKind::Invalid;
  std::uint32_t timeline = 0;  // every kind has one
  // The segment a Segment, Partial or BackupHistory file belongs to; nullopt
  // for History files and for names that do not fit the segment size.
  std::optional<pg::WalSegment> segment;
  // When the store says it was written: set by listings (archive::WalArchive),
  // the epoch for a key parsed alone.
  std::chrono::system_clock::time_point modified{};
};
// Parses a wal_005/ key; nullopt for keys that are not a WAL file of any kind.
std::optional<WalObject> parse_wal_key(std::string_view key, std::uint64_t segment_size = pg::kDefaultSegmentSize);
// "0000000N.history"
std::string history_file_name(std::uint32_t timeline);
// The key prefix under which every segment-like file of `timeline` in the
// 4 GiB "log" holding `segment` lies: wal_005/TTTTTTTTLLLLLLLL.
std::string wal_log_prefix(const pg::WalSegment& segment);

std::string sentinel_key(const BackupName& name);
std::string backup_dir(const BackupName& name);  // ends with '/'
std::string extended_version_key(const BackupName& name);
std::string partitions_prefix(const BackupName& name);  // ".../tar_partitions/"
std::string partition_key(const BackupName& name, std::uint32_t number, codec::Codec codec);
// Partition number of a key under partitions_prefix, or nullopt.
std::optional<std::uint32_t> partition_number(std::string_view key);
// BackupName of a sentinel key at depth 1 under basebackups_005/, or nullopt.
std::optional<BackupName> backup_from_sentinel_key(std::string_view key);
// The backup a key under basebackups_005/ belongs to (its sentinel or any
// object under its directory), or nullopt.
std::optional<BackupName> backup_of_key(std::string_view key);
std::string backup_manifest_key(const BackupName& name);
// The permanent marker, and the content backup-push and backup-mark give it
// (only its presence counts).
std::string permanent_marker_key(const BackupName& name);
inline constexpr std::string_view kPermanentMarkerContent = "{\"permanent\": true}";
// The prefixes of WAL-E's older formats (basebackups_000/ .. wal_004/), which
// `delete old-versions` removes.
std::vector<std::string> old_version_prefixes();

// A backup query as WAL-E accepts it: "LATEST", or a prefix-matching name.
// Throws Error{Usage} "invalid backup query submitted" otherwise.
struct BackupQuery {
  bool latest = false;
  std::string name;
  static BackupQuery parse(std::string_view text);
};

}  // namespace wale::layout
