#include "pg/control_file.h"

#include <sys/stat.h>

#include <cstring>
#include <vector>

#include "codec/crc32c.h"
#include "core/error.h"
#include "io/file_streams.h"

namespace wale::pg {
namespace {

// Offsets in ControlFileData for pg_control_version 1300 (PostgreSQL 13-16,
// catalog/pg_control.h): CheckPoint is 88 bytes at offset 40.
constexpr std::uint32_t kVersion1300 = 1300;
constexpr std::size_t kSystemIdentifier = 0, kVersion = 8, kState = 16, kCheckPoint = 32, kRedo = 40 + 0,
                      kThisTimeLine = 40 + 8, kMinRecoveryPoint = 136, kMinRecoveryTli = 144, kWalBlockSize = 224,
                      kWalSegSize = 228, kCrc = 288;

template <typename T>
T at(std::span<const std::byte> b, std::size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace

std::string cluster_state_name(ClusterState state) {
  switch (state) {
    case ClusterState::Startup: return "starting up";
    case ClusterState::ShutDown: return "shut down";
    case ClusterState::ShutDownInRecovery: return "shut down in recovery";
    case ClusterState::ShuttingDown: return "shutting down";
    case ClusterState::InCrashRecovery: return "in crash recovery";
    case ClusterState::InArchiveRecovery: return "in archive recovery";
    case ClusterState::InProduction: return "in production";
  }
  return "unrecognized status code " + std::to_string(static_cast<std::uint32_t>(state));
}

ControlFile ControlFile::parse(std::span<const std::byte> b) {
  if (b.size() < kCrc + 4) {
    throw Error(ErrorCode::Corrupt, "pg_control is too short (" + std::to_string(b.size()) + " bytes)");
  }
  ControlFile c;
  c.pg_control_version = at<std::uint32_t>(b, kVersion);
  if (c.pg_control_version != kVersion1300) {
    throw Error(ErrorCode::Unsupported,
                "pg_control version " + std::to_string(c.pg_control_version) + " is not supported for offline backups",
                "wal-e reads pg_control version 1300 (PostgreSQL 13 to 16).",
                "Start the cluster and run backup-push without --while-offline.");
  }
  if (codec::crc32c(b.first(kCrc)) != at<std::uint32_t>(b, kCrc)) {
    throw Error(ErrorCode::Corrupt, "pg_control has an incorrect checksum",
                "The file is damaged, or was written by a machine of another byte order or alignment.");
  }
  c.system_identifier = at<std::uint64_t>(b, kSystemIdentifier);
  c.state = static_cast<ClusterState>(at<std::uint32_t>(b, kState));
  c.checkpoint = Lsn{at<std::uint64_t>(b, kCheckPoint)};
  c.redo = Lsn{at<std::uint64_t>(b, kRedo)};
  c.checkpoint_timeline = at<std::uint32_t>(b, kThisTimeLine);
  c.min_recovery_point = Lsn{at<std::uint64_t>(b, kMinRecoveryPoint)};
  c.min_recovery_timeline = at<std::uint32_t>(b, kMinRecoveryTli);
  c.wal_block_size = at<std::uint32_t>(b, kWalBlockSize);
  c.wal_segment_size = at<std::uint32_t>(b, kWalSegSize);
  bool pow2 = c.wal_segment_size != 0 && (c.wal_segment_size & (c.wal_segment_size - 1)) == 0;
  if (!pow2 || c.wal_segment_size < (1U << 20) || c.wal_block_size == 0 ||
      (c.wal_block_size & (c.wal_block_size - 1)) != 0 || c.wal_segment_size % c.wal_block_size != 0 ||
      c.checkpoint_timeline == 0) {
    throw Error(ErrorCode::Corrupt, "pg_control holds impossible WAL settings",
                "WAL segment size " + std::to_string(c.wal_segment_size) + ", WAL block size " +
                    std::to_string(c.wal_block_size) + ", timeline " + std::to_string(c.checkpoint_timeline) + ".");
  }
  return c;
}

ControlFile read_control_file(const std::string& data_directory) {
  std::string path = data_directory + "/global/pg_control";
  auto src = io::open_file_source(path);
  if (!src) {
    throw Error(ErrorCode::Usage, "\"" + data_directory + "\" has no global/pg_control", {},
                "Pass the data directory.");
  }
  std::vector<std::byte> buf(8192);
  std::size_t n = io::read_full(*src, buf);
  buf.resize(n);
  try {
    return ControlFile::parse(buf);
  } catch (Error& e) {
    throw Error(e.code(), e.message(), "The file is " + path + ". " + e.detail(), e.hint());
  }
}

std::optional<std::uint64_t> read_system_identifier(const std::string& data_directory) {
  std::string path = data_directory + "/global/pg_control";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  try {
    auto src = io::open_file_source(path);
    if (!src) return std::nullopt;
    std::byte buf[8];
    if (io::read_full(*src, buf) != sizeof buf) return std::nullopt;
    std::uint64_t id = 0;
    std::memcpy(&id, buf + kSystemIdentifier, sizeof id);
    if (id == 0) return std::nullopt;
    return id;
  } catch (const Error&) {
    return std::nullopt;
  }
}

Lsn checkpoint_record_end(Lsn checkpoint, std::uint32_t wal_block_size, std::uint64_t segment_size) {
  // XLogRecord (24) + XLR_BLOCK_ID_DATA_SHORT and its length (2) + CheckPoint (88).
  std::uint64_t remaining = 24 + 2 + 88;
  std::uint64_t pos = checkpoint.value;
  while (remaining > 0) {
    if (pos % wal_block_size == 0) pos += (pos % segment_size == 0) ? 40 : 24;  // long / short page header
    std::uint64_t take = std::min<std::uint64_t>(remaining, wal_block_size - pos % wal_block_size);
    pos += take;
    remaining -= take;
  }
  return Lsn{pos};
}

}  // namespace wale::pg
