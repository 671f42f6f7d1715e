// ControlFile: the facts an offline backup needs from a stopped cluster's
// global/pg_control (ControlFileData), read directly instead of through
// pg_controldata so that no PostgreSQL program of the right version is needed.
//
// Only pg_control_version 1300 (PostgreSQL 13 to 16) is understood; its
// layout is fixed by that version number (x86-64/arm64 alignment, native
// byte order). The stored CRC-32C is checked, so a different layout, a torn
// write or a foreign byte order is refused rather than misread.
// Pure and thread-safe; parse() throws Error{Corrupt} (bad CRC, too short) or
// Error{Unsupported} (another pg_control version).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pg/lsn.h"

namespace wale::pg {

// PostgreSQL's DBState.
enum class ClusterState : std::uint32_t {
  Startup = 0,
  ShutDown = 1,
  ShutDownInRecovery = 2,
  ShuttingDown = 3,
  InCrashRecovery = 4,
  InArchiveRecovery = 5,
  InProduction = 6,
};
// pg_controldata's words for it ("shut down", "in production", ...).
std::string cluster_state_name(ClusterState state);

struct ControlFile {
  std::uint64_t system_identifier = 0;
  std::uint32_t pg_control_version = 0;
  ClusterState state = ClusterState::Startup;
  Lsn checkpoint;                         // "Latest checkpoint location"
  Lsn redo;                               // "Latest checkpoint's REDO location"
  std::uint32_t checkpoint_timeline = 0;  // "Latest checkpoint's TimeLineID"
  Lsn min_recovery_point;                 // "Minimum recovery ending location"
  std::uint32_t min_recovery_timeline = 0;
  std::uint32_t wal_block_size = 0;    // "WAL block size"
  std::uint32_t wal_segment_size = 0;  // "Bytes per WAL segment"

  static ControlFile parse(std::span<const std::byte> bytes);
};

// Reads and parses DIR/global/pg_control; also throws Error{Io}/{Usage}.
ControlFile read_control_file(const std::string& data_directory);

// ControlFileData.system_identifier, the first 8 bytes of DIR/global/pg_control
// in every pg_control version (native byte order), without parse()'s version
// and CRC checks, so that it works for any PostgreSQL release. nullopt when the
// file is missing, not a regular file, shorter than 8 bytes or holds 0. Does
// not throw.
std::optional<std::uint64_t> read_system_identifier(const std::string& data_directory);

// The end of the shutdown checkpoint (or restartpoint) record that starts at
// `checkpoint`: 114 bytes of record, plus the page headers it crosses.
Lsn checkpoint_record_end(Lsn checkpoint, std::uint32_t wal_block_size, std::uint64_t segment_size);

}  // namespace wale::pg
