#include "backup/backup_push.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>

#include "archive/archive_identity.h"
#include "archive/wal_archive.h"
#include "backup/backup_plan.h"
#include "backup/partition_writer.h"
#include "backup/progress.h"
#include "catalog/backup_catalog.h"
#include "core/error.h"
#include "core/log.h"
#include "core/process.h"
#include "core/stop_token.h"
#include "core/utc_time.h"
#include "exec/rate_limiter.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "layout/backup_manifest.h"
#include "pg/backup_session.h"
#include "pg/connection.h"
#include "pg/control_file.h"
#include "pg/wal_segment_header.h"

namespace wale::backup {
namespace {

const char* kLogger = "wal_e.operator.backup";

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

// Throws unless partitions 0..count-1 of the backup are in the store, each
// still the object this run stored (`stored[i]`: its stat right after its
// upload), and no other partition is: a store that acknowledged an upload
// and then lost it (an unsynced write lost in a crash, a misbehaving server)
// must not get a sentinel vouching for it, nor may one vouch for partitions
// that another backup-push of the same name (a standby's backups between two
// restartpoints) removed as an unfinished backup's and wrote again. (Size
// and time of the same stat call are compared: a store may transform what it
// stores, and a listing may give times at another precision than a stat.)
void check_partitions_stored(store::ObjectStore& store, const layout::BackupName& name,
                             const std::vector<std::optional<store::ObjectInfo>>& stored, std::uint32_t count) {
  std::vector<std::string> keys(count);
  for (const auto& p : catalog::list_partitions(store, name)) {
    if (p.number >= count) {
      throw Error(ErrorCode::Conflict,
                  "the backup holds tar partition " + std::to_string(p.number) + ", which this run did not write",
                  "Another backup-push of " + name.str() +
                      " may be running; the backup was not marked complete and no sentinel was written.",
                  "Run one backup-push at a time.");
    }
    keys[p.number] = p.key;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::optional<store::ObjectInfo> now = keys[i].empty() ? std::nullopt : store.stat(keys[i]);
    if (!now || i >= stored.size() || !stored[i]) {
      throw Error(ErrorCode::Remote, "tar partition " + std::to_string(i) + " is not in the store after its upload",
                  "The store acknowledged it; the backup was not marked complete and no sentinel was written.",
                  "Check the storage service; run backup-push again.");
    }
    if (now->key != stored[i]->key || now->size != stored[i]->size || now->modified != stored[i]->modified) {
      throw Error(ErrorCode::Conflict,
                  "tar partition " + std::to_string(i) + " of " + name.str() + " was replaced after its upload",
                  "Another backup-push of the same name rewrote it; this run's backup was not marked complete and "
                  "no sentinel was written.",
                  "Run one backup-push at a time.");
    }
  }
}

// The pid in DIR/postmaster.pid if that process exists (also one of another
// user), else 0.
long live_postmaster(const std::string& dir) {
  std::ifstream in(dir + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return process_gone(pid) ? 0 : pid;
}

// "15" from PG_VERSION.
std::string read_pg_version(const std::string& dir) {
  std::ifstream in(dir + "/PG_VERSION");
  std::string v;
  in >> v;
  if (v.empty() || v.find_first_not_of("0123456789.") != std::string::npos) {
    throw Error(ErrorCode::Usage, "\"" + dir + "/PG_VERSION\" does not hold a PostgreSQL version");
  }
  return v;
}

// The planned WAL files of an offline backup: every segment from `first` to
// `last`, as pg_wal holds them (the stopped server needs them too, so they are there).
std::vector<PlannedEntry> offline_wal_entries(const std::string& dir, const pg::WalSegment& first,
                                              const pg::WalSegment& last, std::uint64_t system_identifier) {
  std::vector<PlannedEntry> out;
  for (auto seg = first; seg <= last; seg = seg.next()) {
    std::string name = seg.file_name();
    std::string path = dir + "/pg_wal/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) != seg.segment_size) {
      throw Error(ErrorCode::NotFound, "WAL file " + name + " needed by the offline backup is not in pg_wal",
                  "The checkpoint in pg_control needs the WAL from " + first.file_name() + " to " + last.file_name() +
                      "; " + path + " is missing or not a whole segment.",
                  "Start the cluster and run backup-push without --while-offline.");
    }
    auto src = io::open_file_source(path);
    std::array<std::byte, pg::kWalLongHeaderSize> head{};
    std::size_t n = src ? io::read_full(*src, head) : 0;
    auto header = pg::parse_wal_segment_header(std::span<const std::byte>(head.data(), n));
    if (!header || header->system_identifier != system_identifier) {
      throw Error(ErrorCode::Conflict, "WAL file " + path + " does not belong to this cluster",
                  "Its page header does not carry the system identifier in pg_control.");
    }
    out.push_back(PlannedEntry{PlannedEntry::Type::File,
                               "pg_wal/" + name,
                               path,
                               static_cast<std::uint64_t>(st.st_size),
                               static_cast<mode_t>(st.st_mode & 07777),
                               static_cast<std::int64_t>(st.st_mtime),
                               {}});
  }
  return out;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Io, "could not read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// global/pg_control as the backup stores it. PostgreSQL rewrites it in place
// (a standby at every advance of its minRecoveryPoint), so a read can be
// torn; a torn copy fails its CRC, and a restore of it stops at "incorrect
// checksum in control file". Read again until the CRC holds (a few times),
// else Error{Corrupt}. A layout wal-e does not know (pg_control versions
// other than 1300) is stored unchecked: `control` is then nullopt.
struct ControlCopy {
  std::string bytes;
  std::optional<pg::ControlFile> control;
};
ControlCopy read_control_copy(const std::string& path, Clock& clock) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    std::string bytes = read_whole(path);
    try {
      auto control = pg::ControlFile::parse(
          std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
      return {std::move(bytes), control};
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Unsupported) return {std::move(bytes), std::nullopt};
      if (attempt == kAttempts) {
        throw Error(ErrorCode::Corrupt, "the copy of " + path + " is damaged: " + e.message(),
                    "Read " + std::to_string(kAttempts) +
                        " times; a restore of it would not start. The backup was not marked complete.",
                    "Run the backup again; if this persists, check the cluster's pg_control with pg_controldata.");
      }
    }
    clock.sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

pg::ControlFile check_stopped_cluster(const std::string& dir) {
  if (long pid = live_postmaster(dir)) {
    throw Error(ErrorCode::Conflict,
                "the cluster in \"" + dir + "\" is running (postmaster.pid names live process " + std::to_string(pid) +
                    "), so it cannot be backed up --while-offline",
                {}, "Stop it cleanly (pg_ctl stop -m fast), or run backup-push without --while-offline.");
  }
  pg::ControlFile control = pg::read_control_file(dir);
  if (control.state != pg::ClusterState::ShutDown && control.state != pg::ClusterState::ShutDownInRecovery) {
    throw Error(ErrorCode::Conflict,
                "the cluster in \"" + dir + "\" was not shut down cleanly (pg_control says \"" +
                    pg::cluster_state_name(control.state) + "\"), so an offline backup of it would not be consistent",
                {}, "Start it, let it finish recovery, stop it with pg_ctl stop -m fast, and run the backup again.");
  }
  return control;
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

namespace {

// The server an offline backup never asks: its positions come from pg_control.
class NoServer final : public pg::BackupControl {
 public:
  pg::ServerInfo server_info() override { throw unused(); }
  pg::BackupStart start(const std::string&, bool, bool, std::uint64_t) override { throw unused(); }
  pg::BackupStop stop() override { throw unused(); }

 private:
  static Error unused() { return Error(ErrorCode::Internal, "an offline backup asked the server"); }
};

}  // namespace

BackupPushResult backup_push(store::ObjectStore& store, const BackupPushOptions& opts, std::shared_ptr<Clock> clock) {
  check_data_directory(opts.data_directory);
  if (opts.while_offline) {
    NoServer none;  // the positions come from pg_control
    return backup_push(store, opts, none, std::move(clock));
  }
  pg::Connection conn(opts.conninfo);
  pg::BackupSession session(conn);
  return backup_push(store, opts, session, std::move(clock));
}

BackupPushResult backup_push(store::ObjectStore& store, const BackupPushOptions& opts, pg::BackupControl& session,
                             std::shared_ptr<Clock> clock) {
  check_data_directory(opts.data_directory);
  std::string dir = opts.data_directory;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();

  // What is backed up, and from where the start (and, offline, the stop) come.
  pg::ControlFile control;  // offline
  std::string version, system_identifier;
  int version_num = 0;
  std::uint64_t segment_size = pg::kDefaultSegmentSize;
  bool standby = false;
  pg::BackupStart start;
  pg::BackupStop stop;  // online: from pg_backup_stop; offline: computed from pg_control
  auto start_time = clock->wall_now();
  if (opts.while_offline) {
    control = check_stopped_cluster(dir);
    system_identifier = std::to_string(control.system_identifier);
    segment_size = control.wal_segment_size;
    standby = control.state == pg::ClusterState::ShutDownInRecovery;
    std::string major = read_pg_version(dir);
    version = "PostgreSQL " + major;  // as WAL-E: no server to ask; PG_VERSION holds the major version
    version_num = std::atoi(major.c_str()) * 10000;
    start.lsn = control.redo;
    start.timeline = control.checkpoint_timeline;
    auto first = pg::WalSegment::from_lsn(start.timeline, start.lsn, segment_size);
    start.wal_file = first.file_name();
    start.wal_offset = start.lsn.value - first.start_lsn().value;
    // Consistent at the end of the checkpoint record; a stopped replica only
    // at its minimum recovery point, if that is later.
    stop.lsn = pg::checkpoint_record_end(control.checkpoint, control.wal_block_size, segment_size);
    stop.timeline = control.checkpoint_timeline;
    if (standby && control.min_recovery_point > stop.lsn) {
      stop.lsn = control.min_recovery_point;
      stop.timeline = control.min_recovery_timeline;
    }
    auto last = pg::WalSegment::from_lsn(stop.timeline, pg::Lsn{stop.lsn.value - 1}, segment_size);
    stop.wal_file = last.file_name();
    stop.wal_offset = stop.lsn.value - last.start_lsn().value;
  } else {
    pg::ServerInfo server = session.server_info();
    auto local_id = pg::read_system_identifier(dir);
    if (!local_id) {
      throw Error(ErrorCode::Usage, "\"" + dir + "\" has no readable global/pg_control", {},
                  "Pass the data directory.");
    }
    if (std::to_string(*local_id) != server.system_identifier) {
      throw Error(ErrorCode::Usage, "\"" + dir + "\" is not the data directory of the server wal-e connected to",
                  "The server's data directory is \"" + server.data_directory + "\".",
                  "Pass the server's data directory, or set PGHOST/PGPORT to the server that owns this one.");
    }
    // A standby made by pg_basebackup has its primary's system identifier:
    // the directory's pg_control must also say the server's role, or the
    // files of one cluster would be copied under the other's backup start.
    // (pg_control versions other than 1300 are not checked.)
    {
      std::optional<pg::ControlFile> local = read_control_copy(dir + "/global/pg_control", *clock).control;
      bool local_primary = local && local->state == pg::ClusterState::InProduction;
      bool local_standby = local && local->state == pg::ClusterState::InArchiveRecovery;
      if ((server.in_recovery && local_primary) || (!server.in_recovery && local_standby)) {
        throw Error(ErrorCode::Usage, "\"" + dir + "\" is not the data directory of the server wal-e connected to",
                    "The server is " + std::string(server.in_recovery ? "a standby" : "a primary") +
                        " but pg_control in the directory says \"" + pg::cluster_state_name(local->state) +
                        "\": a primary and its standby share a system identifier.",
                    "Set PGHOST/PGPORT to the server that owns this directory (on a standby's host, the standby).");
      }
    }
    // A standby's own archive_mode says nothing: its primary archives (or
    // the standby does, with archive_mode = always); the WAL wait below
    // tells when nobody does.
    if (!server.archiving && !server.in_recovery) {
      throw Error(ErrorCode::Config, "the cluster is not archiving WAL, so a backup of it could not be restored", {},
                  "Set archive_mode = on and archive_command = 'wal-e wal-push %p', then restart PostgreSQL.");
    }
    version = server.version;
    version_num = server.version_num;
    system_identifier = server.system_identifier;
    segment_size = server.segment_size;
    standby = server.in_recovery;
    start = session.start("freeze_start_" + format_iso_utc(start_time) + "+00:00", opts.fast_checkpoint, standby,
                          segment_size);
  }
  layout::BackupName name = layout::BackupName::from_start(start.wal_file, start.wal_offset);
  // A standby starts every backup at its last restartpoint, and a stopped
  // cluster at its last checkpoint: two backups can share a start, and so a
  // name. A finished backup is never overwritten.
  auto refuse_if_finished = [&] {
    if (!store.stat(layout::sentinel_key(name))) return;
    throw Error(ErrorCode::Conflict, "backup " + name.str() + " already exists",
                opts.while_offline
                    ? "The cluster has not run since that backup was taken: it starts at the same checkpoint."
                    : "A standby's backup starts at its last restartpoint, and none has happened since "
                      "that backup was taken.",
                opts.while_offline ? "Nothing to do: that backup holds this state."
                                   : "Run the backup after the standby's next restartpoint (CHECKPOINT on the standby "
                                     "after one on the primary), or use that backup.");
  };
  refuse_if_finished();
  // An unfinished backup of the same name (a killed or failed run from the
  // same restartpoint) may have left more partitions than this one writes:
  // remove them, or the restore would find stray partitions. Unless it has
  // finished since the look above (another run of this name): then they are
  // a finished backup's.
  std::vector<std::string> leftovers;
  store.list(layout::backup_dir(name), [&](const store::ObjectInfo& o) { leftovers.push_back(o.key); });
  if (!leftovers.empty()) {
    refuse_if_finished();
    log::warning(kLogger,
                 {"removing the objects of an unfinished backup of the same name",
                  std::to_string(leftovers.size()) + " objects under " + store.describe(layout::backup_dir(name)) + ".",
                  {},
                  {{"backup", name.str()}}});
    store.remove(leftovers);
  }
  log::info(kLogger, {"start upload postgres version metadata",
                      {},
                      {},
                      {{"backup", name.str()},
                       {"start_lsn", start.lsn.to_string()},
                       {"source", opts.while_offline ? "offline"
                                  : standby          ? "standby"
                                                     : "primary"}}});
  store::put_bytes(store, layout::extended_version_key(name), version, {"text/plain"});

  BackupPlan plan = plan_backup(dir);
  // global/pg_control is read after every other file (see the header).
  const std::string control_name = "global/pg_control";
  std::uint64_t progress_total = plan.total_file_bytes;
  std::optional<std::size_t> control_index = plan.entries.find_file(control_name);
  if (control_index) {
    progress_total -= plan.entries.file_size(*control_index);
    plan.entries.exclude(*control_index);
  }
  if (opts.while_offline) {
    auto first = pg::WalSegment::parse(start.wal_file, segment_size);
    auto last = pg::WalSegment::parse(stop.wal_file, segment_size);
    if (!first || !last || last->timeline != first->timeline || last->segno < first->segno) {
      throw Error(ErrorCode::Unsupported,
                  "the stopped cluster's checkpoint needs WAL from " + start.wal_file + " to " + stop.wal_file +
                      ", which is not a range of one timeline",
                  {}, "Start the cluster and run backup-push without --while-offline.");
    }
    for (auto& e : offline_wal_entries(dir, *first, *last, control.system_identifier)) {
      plan.total_file_bytes += e.size;
      progress_total += e.size;
      plan.file_count += 1;
      plan.entries.add(e);
    }
  }
  std::vector<Partition> parts =
      partition_plan(plan.entries,
                     effective_partition_size(opts.partition_size, plan.total_file_bytes, opts.pool_size));
  // Largest partitions first, so that the last ones to finish are small.
  std::vector<std::size_t> order(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return parts[a].bytes > parts[b].bytes; });

  PartitionStats totals;
  std::vector<std::optional<store::ObjectInfo>> stored(parts.size() + 1);  // each partition right after its upload
  std::mutex totals_mu;  // guards totals and stored (partition workers add to them)
  exec::RateLimiter limiter(opts.read_rate_limit, clock);
  {
    Progress progress("backup-push " + name.str(), progress_total, opts.show_progress);
    ReadHook on_read = [&](std::uint64_t n) {
      limiter.acquire(n);
      progress.add(n);
    };
    exec::TaskGroup group(std::max(1u, opts.pool_size));
    for (std::size_t i : order) {
      group.run([&, i] {
        auto key = layout::partition_key(name, static_cast<std::uint32_t>(i), opts.codec);
        auto stats = write_partition(store, key, plan.entries, parts[i], opts.codec, on_read);
        auto info = store.stat(key);
        log::info(kLogger, {"finished uploading a tar partition",
                            {},
                            {},
                            {{"backup", name.str()}, {"partition", std::to_string(i)}}});
        std::lock_guard lock(totals_mu);
        totals += stats;
        stored[i] = std::move(info);
      });
    }
    group.wait();
  }
  std::uint32_t number = static_cast<std::uint32_t>(parts.size());
  ControlCopy control_copy = read_control_copy(dir + "/" + control_name, *clock);
  const std::string& control_bytes = control_copy.bytes;

  if (opts.while_offline) {
    // The files are a consistent copy only if the cluster stayed stopped.
    long pid = live_postmaster(dir);
    pg::ControlFile now = pg::read_control_file(dir);
    // (`control` parsed at the start, so the copy has a layout wal-e parses.)
    const std::optional<pg::ControlFile>& copied = control_copy.control;
    if (pid != 0 || now.checkpoint != control.checkpoint || now.state != control.state || !copied ||
        copied->checkpoint != control.checkpoint || copied->state != control.state) {
      throw Error(ErrorCode::Conflict, "the cluster in \"" + dir + "\" was started during the offline backup",
                  (pid != 0 ? "postmaster.pid names live process " + std::to_string(pid) + "; " : std::string()) +
                      "pg_control says \"" + pg::cluster_state_name(now.state) + "\", latest checkpoint " +
                      now.checkpoint.to_string() + " (was " + control.checkpoint.to_string() +
                      "); the backup was not marked complete.",
                  "Keep the cluster stopped until backup-push --while-offline finishes.");
    }
  } else {
    try {
      stop = session.stop();
    } catch (const Error& e) {
      // PostgreSQL refuses to stop a standby backup if the standby was promoted meanwhile.
      if (!standby || e.message().find("promoted") == std::string::npos) throw;
      throw Error(ErrorCode::Conflict, "the standby was promoted during the backup",
                  "The backup was not marked complete.", "Back up the new primary.");
    }
    // The label names the start PostgreSQL used; on a standby wal-e named the
    // backup from the restartpoint's timeline, checked here.
    std::string label_start = pg::backup_label_start_file(stop.backup_label);
    if (label_start != start.wal_file) {
      throw Error(ErrorCode::Conflict, "the backup label starts in WAL file " + label_start + ", not " + start.wal_file,
                  "The backup was not marked complete.", "Run the backup again.");
    }
    if (standby && !stop.in_recovery) {
      throw Error(ErrorCode::Conflict, "the standby was promoted during the backup",
                  "The backup was not marked complete.", "Back up the new primary.");
    }
  }
  // backup_label and tablespace_map come from pg_backup_stop, never from PGDATA.
  // The manifest (PostgreSQL's format, for pg_verifybackup and backup-verify)
  // lists every file and backup_label; tablespace_map is consumed by
  // backup-fetch, which makes the links itself.
  // The manifest is rendered from the file list as it is uploaded, twice
  // (the object, then the copy in the last partition, whose tar header needs
  // its size): never held in memory.
  auto now = static_cast<std::int64_t>(::time(nullptr));
  auto control_crc = *manifest_entry(control_name, control_bytes, now).crc32c;
  if (control_index) {
    plan.entries.record(*control_index, control_bytes.size(), now, control_crc);
  } else {
    plan.entries.add({PlannedEntry::Type::File, control_name, {}, control_bytes.size(), 0600, now, {}});
    plan.entries.record(plan.entries.size() - 1, control_crc);
  }
  if (!opts.while_offline) {
    plan.entries.add({PlannedEntry::Type::File, "backup_label", {}, stop.backup_label.size(), 0600, now, {}});
    plan.entries.record(plan.entries.size() - 1, *manifest_entry("backup_label", stop.backup_label, now).crc32c);
  }
  // Nothing more is written for this name if another run of it replaced
  // this run's partitions (it may have finished: its manifest, last
  // partition and sentinel must stay its own).
  check_partitions_stored(store, name, stored, number);
  const std::vector<std::uint32_t> manifest_files = manifest_order(plan.entries);
  const layout::ManifestWalRange wal_range{start.timeline, start.lsn.to_string(), stop.lsn.to_string()};
  std::uint64_t manifest_size = 0;
  {
    auto text = manifest_source(plan.entries, manifest_files, wal_range);
    auto sink = store.put(layout::backup_manifest_key(name), {"application/json"});
    manifest_size = io::copy(*text, *sink);
    sink->finish();
  }
  std::vector<InlineFile> meta;
  meta.push_back({control_name, control_bytes});
  if (!opts.while_offline) meta.push_back({"backup_label", stop.backup_label});
  meta.push_back(
      {"backup_manifest", {}, [&] { return manifest_source(plan.entries, manifest_files, wal_range); }, manifest_size});
  if (!stop.tablespace_map.empty()) meta.push_back({"tablespace_map", stop.tablespace_map});
  {
    auto key = layout::partition_key(name, number, opts.codec);
    totals += write_inline_partition(store, key, meta, opts.codec);
    stored[number] = store.stat(key);
  }
  ++number;

  if (!opts.while_offline) {
    // Every segment from the start to the stop must be archived (a server
    // does not change timeline during a backup, so they are all on the start's).
    archive::WalArchive wal(store, opts.codec, segment_size);
    auto first = pg::WalSegment::parse(start.wal_file, segment_size);
    auto last = pg::WalSegment::parse(stop.wal_file, segment_size);
    if (!first || !last || last->timeline != first->timeline || last->segno < first->segno) {
      throw Error(ErrorCode::Unsupported,
                  "the backup started in WAL file " + start.wal_file + " and stopped in " + stop.wal_file +
                      ", which is not a range of one timeline",
                  "The backup was not marked complete.",
                  standby ? "Did the standby's upstream change timeline during the backup? Run it again."
                          : "Was the server promoted during the backup? Run it again.");
    }
    try {
      archive::wait_for_backup_wal(wal, *first, *last, std::chrono::seconds(opts.archive_wait_seconds), *clock);
    } catch (const Error& e) {
      if (!standby || e.code() != ErrorCode::NotFound) throw;
      throw Error(e.code(), e.message(), e.detail(),
                  "A standby cannot switch WAL: its last segment is archived when the primary finishes it. Set "
                  "archive_timeout on the primary (e.g. 60s), and check that the primary (or this standby, with "
                  "archive_mode = always) archives to this prefix; WALE_ARCHIVE_TIMEOUT sets the wait.");
    }
    archive::check_archived_segment_owner(wal, stop.wal_file, system_identifier);
  }

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
  s.pg_version_num = version_num;
  s.system_identifier = system_identifier;
  s.start_time = format_iso_utc(start_time) + "Z";
  s.finish_time = format_iso_utc(clock->wall_now()) + "Z";
  s.compressed_size_bytes = totals.compressed_bytes;
  s.codec = std::string(codec::codec_name(opts.codec));
  s.file_count = totals.files;  // files actually in the tar partitions, backup_label included
  s.partition_count = number;
  s.segment_size = segment_size;
  s.hostname = hostname();
  s.data_directory = dir;
  s.is_standby = standby;
  s.while_offline = opts.while_offline;
  check_partitions_stored(store, name, stored, number);
  if (opts.permanent)
    store::put_bytes(store, layout::permanent_marker_key(name), std::string(layout::kPermanentMarkerContent),
                     {"application/json"});
  // The sentinel is written last: before it exists, the backup does not.
  throw_if_stopped();
  // Create-only: a sentinel that another run of this name wrote meanwhile is never replaced.
  store::PutOptions sentinel_put{"application/json"};
  sentinel_put.if_absent = true;
  store::put_bytes(store, layout::sentinel_key(name), s.to_json(), sentinel_put);

  auto secs = std::chrono::duration<double>(clock->wall_now() - start_time).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? static_cast<double>(totals.tar_bytes) / secs / 1048576.0 : 0.0);
  log::info(kLogger, {"backup complete",
                      {},
                      {},
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
