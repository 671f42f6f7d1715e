#include "backup/backup_push.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <cstring>

#include "archive/wal_archive.h"
#include "backup/backup_catalog.h"
#include "backup/backup_manifest.h"
#include "backup/backup_plan.h"
#include "backup/partition_writer.h"
#include "backup/retention.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "backup/progress.h"
#include "exec/rate_limiter.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "pg/backup_session.h"
#include "pg/connection.h"
#include "pg/wal_segment_header.h"

namespace wale::backup {
namespace {

const char* kLogger = "wal_e.operator.backup";

std::string read_system_identifier(const std::string& dir) {
  auto src = io::open_file_source(dir + "/global/pg_control");
  if (!src) throw Error(ErrorCode::Usage, "\"" + dir + "\" has no global/pg_control", {}, "Pass the data directory.");
  std::uint64_t id = 0;
  std::byte buf[8];
  if (io::read_full(*src, buf) != sizeof buf) {
    throw Error(ErrorCode::Io, "could not read global/pg_control", "The directory is \"" + dir + "\".");
  }
  std::memcpy(&id, buf, sizeof id);  // ControlFileData.system_identifier, native byte order
  return std::to_string(id);
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

// Throws Error{Conflict} unless the archived segment belongs to this cluster:
// two clusters sharing a prefix have segments of the same names.
void check_segment_owner(const archive::WalArchive& wal, const std::string& name, const std::string& system_identifier) {
  auto source = wal.open(name);
  std::array<std::byte, pg::kWalLongHeaderSize> head{};
  std::size_t n = source ? io::read_full(*source, head) : 0;
  auto header = pg::parse_wal_segment_header(std::span<const std::byte>(head.data(), n));
  if (!header || std::to_string(header->system_identifier) != system_identifier) {
    throw Error(ErrorCode::Conflict,
                "WAL file " + name + " in the archive belongs to another cluster",
                "Its system identifier is " + (header ? std::to_string(header->system_identifier) : "unreadable") +
                    ", this cluster's is " + system_identifier + "; the backup was not marked complete.",
                "Give each cluster its own prefix.");
  }
}

}  // namespace

void wait_for_backup_wal(const archive::WalArchive& wal, const pg::WalSegment& first, const pg::WalSegment& last,
                         std::chrono::seconds timeout, Clock& clock) {
  auto missing = wal.wait_for_segments(first, last, timeout, clock, [](const pg::WalSegment& s) {
    log::warning(kLogger, {"still waiting for WAL to be archived", "Waiting for WAL file " + s.file_name() + ".", {}, {}});
  });
  if (missing.empty()) return;
  std::string which = missing.front().file_name();
  if (missing.size() > 1) {
    which += " (and " + std::to_string(missing.size() - 1) + " more up to " + missing.back().file_name() + ")";
  }
  throw Error(ErrorCode::NotFound,
              "WAL file " + which + " needed by this backup was not archived within " +
                  std::to_string(timeout.count()) + " s",
              "Every segment from " + first.file_name() + " to " + last.file_name() +
                  " must be archived; the backup was not marked complete and no sentinel was written.",
              "Check archive_command ('wal-e wal-push %p') and the server log for archiver errors, and that no "
              "delete removed WAL meanwhile; WALE_ARCHIVE_TIMEOUT sets the wait.");
}

void check_data_directory(const std::string& dir) {
  struct stat st {};
  if (::stat((dir + "/PG_VERSION").c_str(), &st) != 0 || ::stat((dir + "/global/pg_control").c_str(), &st) != 0) {
    throw Error(ErrorCode::Usage, "\"" + dir + "\" is not a PostgreSQL data directory", {},
                "Pass the cluster's data directory (the one holding PG_VERSION and global/pg_control).");
  }
}

std::uint64_t effective_partition_size(std::uint64_t configured_max, std::uint64_t total_bytes, unsigned pool_size) {
  std::uint64_t balanced = total_bytes / (std::max(1u, pool_size) * 4ULL);
  return std::min(configured_max, std::max<std::uint64_t>(balanced, 64ULL << 20));
}

BackupPushResult backup_push(store::ObjectStore& store, const BackupPushOptions& opts, std::shared_ptr<Clock> clock) {
  check_data_directory(opts.data_directory);
  std::string dir = opts.data_directory;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();

  pg::Connection conn(opts.conninfo);
  pg::ServerInfo server = pg::read_server_info(conn);
  if (server.in_recovery) {
    throw Error(ErrorCode::Unsupported, "backup-push from a standby server is not built yet", {},
                "Run backup-push against the primary.");
  }
  if (read_system_identifier(dir) != server.system_identifier) {
    throw Error(ErrorCode::Usage, "\"" + dir + "\" is not the data directory of the server wal-e connected to",
                "The server's data directory is \"" + server.data_directory + "\".",
                "Pass the server's data directory, or set PGHOST/PGPORT to the server that owns this one.");
  }
  if (!server.archiving) {
    throw Error(ErrorCode::Config, "the cluster is not archiving WAL, so a backup of it could not be restored", {},
                "Set archive_mode = on and archive_command = 'wal-e wal-push %p', then restart PostgreSQL.");
  }

  auto start_time = std::chrono::system_clock::now();
  pg::BackupSession session(conn);
  pg::BackupStart start = session.start("freeze_start_" + iso_utc(start_time) + "+00:00", opts.fast_checkpoint);
  layout::BackupName name = layout::BackupName::from_start(start.wal_file, start.wal_offset);
  log::info(kLogger, {"start upload postgres version metadata", {}, {},
                      {{"backup", name.str()}, {"start_lsn", start.lsn.to_string()}}});
  store::put_bytes(store, layout::extended_version_key(name), server.version, {"text/plain"});

  BackupPlan plan = plan_backup(dir);
  auto parts = partition_plan(std::move(plan.entries), effective_partition_size(opts.partition_size, plan.total_file_bytes,
                                                                      opts.pool_size));
  // Largest partitions first, so that the last ones to finish are small.
  std::vector<std::size_t> order(parts.size());
  std::vector<std::uint64_t> sizes(parts.size(), 0);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    order[i] = i;
    for (const auto& e : parts[i]) sizes[i] += e.size;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });

  PartitionStats totals;
  std::mutex totals_mu;
  ManifestBuilder manifest;
  exec::RateLimiter limiter(opts.read_rate_limit, clock);
  {
    Progress progress("backup-push " + name.str(), plan.total_file_bytes, opts.show_progress);
    ReadHook on_read = [&](std::uint64_t n) {
      limiter.acquire(n);
      progress.add(n);
    };
    exec::TaskGroup group(std::max(1u, opts.pool_size));
    for (std::size_t i : order) {
      group.run([&, i] {
        auto key = layout::partition_key(name, static_cast<std::uint32_t>(i), opts.codec);
        auto stats = write_partition(store, key, parts[i], opts.codec, on_read, &manifest);
        parts[i] = {};  // uploaded: its files live on in the manifest only
        log::info(kLogger, {"finished uploading a tar partition", {}, {},
                            {{"backup", name.str()}, {"partition", std::to_string(i)}}});
        std::lock_guard lock(totals_mu);
        totals += stats;
      });
    }
    group.wait();
  }
  std::uint32_t number = static_cast<std::uint32_t>(parts.size());
  parts = {};  // the file list is uploaded: free it before the manifest is rendered

  pg::BackupStop stop = session.stop();
  // backup_label and tablespace_map come from pg_backup_stop, never from PGDATA.
  // The manifest (PostgreSQL's format, for pg_verifybackup and backup-verify)
  // lists every file and backup_label; tablespace_map is consumed by
  // backup-fetch, which makes the links itself.
  auto now = static_cast<std::int64_t>(::time(nullptr));
  manifest.add(manifest_entry("backup_label", stop.backup_label, now));
  std::string manifest_text =
      manifest.render(ManifestWalRange{start.timeline, start.lsn.to_string(), stop.lsn.to_string()});
  store::put_bytes(store, layout::backup_dir(name) + "backup_manifest", manifest_text, {"application/json"});
  std::vector<InlineFile> meta;  // (an initializer list would copy the manifest)
  meta.push_back({"backup_label", stop.backup_label});
  meta.push_back({"backup_manifest", std::move(manifest_text)});
  if (!stop.tablespace_map.empty()) meta.push_back({"tablespace_map", stop.tablespace_map});
  totals += write_inline_partition(store, layout::partition_key(name, number, opts.codec), meta, opts.codec);
  ++number;

  // Every segment from the start to the stop must be archived (a primary does
  // not change timeline during a backup, so they are all on the start's).
  archive::WalArchive wal(store, opts.codec, server.segment_size);
  auto first = pg::WalSegment::parse(start.wal_file, server.segment_size);
  auto last = pg::WalSegment::parse(stop.wal_file, server.segment_size);
  if (!first || !last || last->timeline != first->timeline || last->segno < first->segno) {
    throw Error(ErrorCode::Unsupported,
                "the backup started in WAL file " + start.wal_file + " and stopped in " + stop.wal_file +
                    ", which is not a range of one timeline",
                "The backup was not marked complete.", "Was the server promoted during the backup? Run it again.");
  }
  wait_for_backup_wal(wal, *first, *last, std::chrono::seconds(opts.archive_wait_seconds), *clock);
  check_segment_owner(wal, stop.wal_file, server.system_identifier);

  layout::Sentinel s;
  s.wal_segment_backup_stop = stop.wal_file;
  s.wal_segment_offset_backup_stop = layout::BackupName::from_start(stop.wal_file, stop.wal_offset).offset;
  s.expanded_size_bytes = plan.total_file_bytes;
  s.spec = plan.spec;
  s.format = "wal-e-cpp/1";
  s.wal_segment_backup_start = name.segment;
  s.wal_segment_offset_backup_start = name.offset;
  s.start_lsn = start.lsn.to_string();
  s.stop_lsn = stop.lsn.to_string();
  s.timeline = start.timeline;
  s.pg_version_num = server.version_num;
  s.system_identifier = server.system_identifier;
  s.start_time = iso_utc(start_time) + "Z";
  s.finish_time = iso_utc(std::chrono::system_clock::now()) + "Z";
  s.compressed_size_bytes = totals.compressed_bytes;
  s.codec = std::string(codec::codec_name(opts.codec));
  s.file_count = totals.files;  // files actually in the tar partitions, backup_label included
  s.partition_count = number;
  s.segment_size = server.segment_size;
  s.hostname = hostname();
  s.data_directory = dir;
  if (opts.permanent) store::put_bytes(store, permanent_marker_key(name.str()), "{\"permanent\": true}", {"application/json"});
  // The sentinel is written last: before it exists, the backup does not.
  throw_if_stopped();
  store::put_bytes(store, layout::sentinel_key(name), s.to_json(), {"application/json"});

  auto secs = std::chrono::duration<double>(std::chrono::system_clock::now() - start_time).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? static_cast<double>(totals.tar_bytes) / secs / 1048576.0 : 0.0);
  log::info(kLogger, {"backup complete", {}, {},
                      {{"backup", name.str()},
                       {"bytes", std::to_string(totals.tar_bytes)},
                       {"compressed_bytes", std::to_string(totals.compressed_bytes)},
                       {"duration_s", std::to_string(secs)},
                       {"files", std::to_string(totals.files)},
                       {"partitions", std::to_string(number)},
                       {"rate_mib_s", rate}}});
  return BackupPushResult{name, s};
}

}  // namespace wale::backup
