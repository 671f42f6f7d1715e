#include "archive/wal_push_ahead.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <semaphore>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "archive/wal_archive.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "io/hashing_source.h"
#include "io/unique_fd.h"
#include "layout/archive_layout.h"
#include "layout/spool_layout.h"
#include "pg/lsn.h"

namespace wale::archive {
namespace {

const char* kLogger = "wal_e.worker.upload";

struct FileIdentity {
  std::uint64_t ino = 0, size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t dev = 0;
  std::int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

std::int64_t ns_of(const struct timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec; }

FileIdentity identity_of(const struct stat& st) {
  return FileIdentity{static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size), ns_of(st.st_mtim),
                      static_cast<std::uint64_t>(st.st_dev), ns_of(st.st_ctim)};
}

std::optional<FileIdentity> identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return identity_of(st);
}

std::int64_t realtime_ns() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return ns_of(now);
}

// Marker text: "<ino> <size> <mtime_ns> <object size> <key> <content hash> <dev> <ctime_ns> <settled>"
// (markers of older versions end after the hash: they are confirmed by content only).
void write_marker(const std::string& wal_dir, const std::string& name, const FileIdentity& id, const std::string& key,
                  std::uint64_t object_size, const std::string& hash, bool settled) {
  try {
    io::make_dirs(layout::push_marker_dir(wal_dir), 0700);
    io::AtomicFileSink sink(layout::push_marker_path(wal_dir, name), 0600, /*sync=*/false);
    std::ostringstream text;
    text << id.ino << ' ' << id.size << ' ' << id.mtime_ns << ' ' << object_size << ' ' << key << ' ' << hash << ' '
         << id.dev << ' ' << id.ctime_ns << ' ' << (settled ? 1 : 0) << '\n';
    sink.write(text.str());
    sink.finish();
  } catch (const Error& e) {
    // A marker only saves work later; failing to write one loses nothing.
    log::debug(kLogger, {"could not write push marker", e.message(), {}, {}});
  }
}

// Whether a marker says an object with exactly this file's content is stored
// under `key` and that object still exists (see the header): by identity when
// the marker allows it and the file is unchanged, else by hashing the file.
MarkerConfirmation marker_confirms(store::ObjectStore& store, const std::string& wal_dir, const std::string& name,
                                   const std::string& key) {
  std::ifstream in(layout::push_marker_path(wal_dir, name));
  if (!in) return MarkerConfirmation::None;
  FileIdentity recorded;
  std::uint64_t object_size = 0;
  std::string recorded_key, recorded_hash;
  if (!(in >> recorded.ino >> recorded.size >> recorded.mtime_ns >> object_size >> recorded_key >> recorded_hash)) {
    return MarkerConfirmation::None;
  }
  if (recorded_key != key || recorded_hash.size() != 32) return MarkerConfirmation::None;
  int settled = 0;
  bool by_identity = false;
  if (in >> recorded.dev >> recorded.ctime_ns >> settled && settled == 1) {
    auto now = identity_of(wal_dir + "/" + name);
    by_identity = now && *now == recorded;
  }
  if (!by_identity) {
    try {
      if (io::hash_file(wal_dir + "/" + name) != recorded_hash) return MarkerConfirmation::None;
    } catch (const Error&) {
      return MarkerConfirmation::None;  // unreadable: wal_push reports that itself
    }
  }
  auto info = store.stat(key);
  if (!info || info->size != object_size) return MarkerConfirmation::None;
  return by_identity ? MarkerConfirmation::Identity : MarkerConfirmation::ContentHash;
}

// Ready segments (oldest first), excluding `except`.
std::vector<std::string> ready_segments(const std::string& wal_dir, const std::string& except) {
  std::vector<std::string> out;
  for (const auto& n : io::directory_names(wal_dir + "/archive_status")) {
    if (n.size() != 30 || n.substr(24) != ".ready") continue;
    std::string seg = n.substr(0, 24);
    if (seg != except && pg::classify_wal_file(seg) == pg::WalFileKind::Segment) out.push_back(seg);
  }
  return out;  // oldest first: directory_names is sorted
}

// Removes markers of segments whose files PostgreSQL has recycled or removed.
void prune_markers(const std::string& wal_dir) {
  io::remove_stale_temps(layout::push_marker_dir(wal_dir));  // markers a killed push was writing
  for (const auto& n : io::directory_names(layout::push_marker_dir(wal_dir))) {
    if (n.empty() || n[0] == '.') continue;
    if (::access((wal_dir + "/" + n).c_str(), F_OK) != 0) ::unlink(layout::push_marker_path(wal_dir, n).c_str());
  }
}

constexpr int kAbandonedClaimSeconds = 60;

// Whether the marker of `name` was written for the file now there (only
// chooses the ahead set: a wal-push still confirms with marker_confirms).
bool marker_matches_file(const std::string& wal_dir, const std::string& name) {
  std::ifstream in(layout::push_marker_path(wal_dir, name));
  FileIdentity recorded;
  if (!in || !(in >> recorded.ino >> recorded.size >> recorded.mtime_ns)) return false;
  auto now = identity_of(wal_dir + "/" + name);
  return now && now->ino == recorded.ino && now->size == recorded.size && now->mtime_ns == recorded.mtime_ns;
}

// True while a live worker holds the claim for `name` (stale claims are removed).
bool claimed(const std::string& wal_dir, const std::string& name) {
  std::string claim = layout::push_claim_path(wal_dir, name);
  struct stat st {};
  if (::stat(claim.c_str(), &st) != 0) return false;
  if (::time(nullptr) - st.st_mtime >= kAbandonedClaimSeconds) {
    ::rmdir(claim.c_str());  // its worker died
    return false;
  }
  return true;
}

// Throws Error{Cancelled} unless archive_status/<name>.ready still exists and
// <wal_dir>/<name> is still the file `read` describes (see the header).
void check_still_ready(const std::string& wal_dir, const std::string& name, const struct stat& read) {
  if (::access((wal_dir + "/archive_status/" + name + ".ready").c_str(), F_OK) != 0) {
    throw Error(ErrorCode::Cancelled, "WAL file " + name + " is no longer marked ready for archiving",
                "PostgreSQL archived it meanwhile and may have recycled the file, so what was read may not "
                "be this segment; nothing was stored.");
  }
  struct stat now {};
  if (::stat((wal_dir + "/" + name).c_str(), &now) != 0 || now.st_ino != read.st_ino || now.st_dev != read.st_dev) {
    throw Error(ErrorCode::Cancelled, "WAL file " + name + " was replaced while it was being read",
                "Nothing was stored.");
  }
}

// `ahead`: pushed by the worker, not at PostgreSQL's request. Returns how a
// marker confirmed the segment, or None when wal_push ran.
// `read_done` (if set) is called once the file is read and compressed, before
// the object is published (fsync, rename).
// `known_absent`: the worker's batch look found no object of this name (WalPushOptions).
std::pair<WalPushResult, MarkerConfirmation> push_one(store::ObjectStore& store, const std::string& wal_dir,
                                                      const std::string& path, const PushAheadOptions& options,
                                                      bool ahead, const std::function<void()>& read_done = {},
                                                      bool known_absent = false) {
  std::string name = io::base_name(path);
  bool segment = pg::classify_wal_file(name) == pg::WalFileKind::Segment;
  std::string key = layout::wal_key(name, options.codec);
  if (segment) {
    if (auto how = marker_confirms(store, wal_dir, name, key); how != MarkerConfirmation::None) {
      log::info(kLogger, {"WAL file was already archived by push-ahead",
                          {},
                          {},
                          {{"action", "push-wal"}, {"seg", name}, {"state", "complete"}}});
      return {WalPushResult::AlreadyArchived, how};
    }
  }
  // The identity before the file is opened: equal to the one after reading
  // (and old enough) means the bytes read are the file's settled content.
  std::int64_t started_ns = realtime_ns();
  auto before = identity_of(path);
  std::optional<FileIdentity> read_id;
  WalPushOptions push_options{options.codec,
                              [&](int fd) {
                                struct stat st {};
                                if (::fstat(fd, &st) != 0) throw_errno("could not stat file", path, errno);
                                read_id = identity_of(st);
                                if (ahead) check_still_ready(wal_dir, name, st);
                                if (read_done) read_done();
                              },
                              known_absent};
  WalPushReport report;
  WalPushResult result = wal_push(store, path, push_options, &report);
  // The marker records the size this call wrote (no second request to the store).
  if (segment && read_id && result == WalPushResult::Stored) {
    std::int64_t settled_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.settled_age).count();
    bool settled = before && *before == *read_id && read_id->ctime_ns <= started_ns - settled_ns;
    write_marker(wal_dir, name, *read_id, key, report.stored_bytes, report.content_hash, settled);
  }
  return {result, MarkerConfirmation::None};
}

// Up to `window` ready segments (oldest first) that are neither stored (marker
// of this very file) nor claimed, excluding `except` and those in `skip`.
std::vector<std::string> ahead_candidates(const std::string& wal_dir, const std::string& except, std::size_t window,
                                          const std::set<std::string>& skip = {}) {
  std::vector<std::string> out;
  for (const auto& seg : ready_segments(wal_dir, except)) {
    if (out.size() >= window) break;
    if (skip.count(seg) || marker_matches_file(wal_dir, seg) || claimed(wal_dir, seg)) continue;  // stored or in hand
    out.push_back(seg);
  }
  return out;
}

// The segments of `batch` stored under no codec: one stat_many over every
// codec's key per run of up to 16 neighbouring names (same name but for the
// last digit: one short listing on S3) instead of one look per segment.
// Segments whose look failed are left out: each of those pushes looks itself.
std::set<std::string> absent_segments(store::ObjectStore& store, const std::vector<std::string>& batch,
                                      codec::Codec codec) {
  std::map<std::string, std::vector<std::string>> groups;  // name minus its last digit -> segments
  for (const auto& seg : batch) groups[seg.substr(0, seg.size() - 1)].push_back(seg);
  std::set<std::string> absent;
  for (const auto& [stem, segs] : groups) {
    std::vector<std::string> keys;
    std::map<std::string, std::string> segment_of;  // key -> segment
    for (const auto& seg : segs) {
      for (codec::Codec c : lookup_order(codec)) {
        keys.push_back(layout::wal_key(seg, c));
        segment_of[keys.back()] = seg;
      }
    }
    std::set<std::string> group_absent(segs.begin(), segs.end());
    try {
      for (const auto& info : store.stat_many(keys)) {
        if (auto it = segment_of.find(info.key); it != segment_of.end()) group_absent.erase(it->second);
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Cancelled) throw;
      continue;
    }
    absent.insert(group_absent.begin(), group_absent.end());
  }
  return absent;
}

std::size_t ahead_window(const PushAheadOptions& options) {
  // Look further ahead than the worker's parallelism: the worker pushes them
  // pool_size at a time while PostgreSQL's next calls find them stored.
  return std::max<std::size_t>(8, 4 * static_cast<std::size_t>(options.pool_size));
}

}  // namespace

bool push_ahead_worker_running(const std::string& wal_dir) {
  io::UniqueFd fd(::open(layout::push_ahead_lock_path(wal_dir).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  // A lock of another open file description conflicts, in this process too.
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return false;  // released when fd closes
  return errno == EWOULDBLOCK;
}

PushAheadResult wal_push_with_ahead(store::ObjectStore& store, const std::string& path,
                                    const PushAheadOptions& options) {
  std::string wal_dir = io::parent_dir(path);
  std::string name = io::base_name(path);
  bool segment = pg::classify_wal_file(name) == pg::WalFileKind::Segment;
  PushAheadResult out;
  std::string own_claim;
  if (segment && options.pool_size > 1) {
    // A worker is pushing it: wait for it (bounded) instead of pushing it twice.
    // Then claim it ourselves (if the claim directory exists), so that a
    // worker does not start it while we push it.
    std::string claim = layout::push_claim_path(wal_dir, name);
    for (int i = 0; i < 5000 && !stop_requested(); ++i) {
      if (claimed(wal_dir, name)) {
        ::usleep(2000);
        continue;
      }
      if (::mkdir(claim.c_str(), 0700) == 0) own_claim = claim;
      if (!own_claim.empty() || errno != EEXIST) break;  // EEXIST: a worker took it meanwhile
    }
  }
  struct Release {
    const std::string& claim;
    ~Release() {
      if (!claim.empty()) ::rmdir(claim.c_str());
    }
  } release{own_claim};
  std::tie(out.result, out.confirmed) = push_one(store, wal_dir, path, options, /*ahead=*/false);
  if (!segment || options.pool_size <= 1) return out;
  if (push_ahead_worker_running(wal_dir)) return out;  // it looks for more ready segments itself

  try {
    out.ahead = ahead_candidates(wal_dir, name, ahead_window(options));
    prune_markers(wal_dir);
  } catch (const Error& e) {
    // Push-ahead only saves time: the requested segment is stored, so report success.
    log::warning(kLogger, {"could not look for other ready WAL files", e.message(), {}, {}});
    out.ahead.clear();
  }
  return out;
}

void wal_push_ahead_worker(store::ObjectStore& store, const std::string& wal_dir,
                           const std::vector<std::string>& segments, const PushAheadOptions& options) {
  io::make_dirs(layout::push_claim_dir(wal_dir), 0700);
  // One worker at a time: a second one waits, then finds what is left.
  io::UniqueFd lock(::open(layout::push_ahead_lock_path(wal_dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  // Polled, not blocking: a stop request (SIGTERM of the process, or of the
  // wal-push-server this runs in) must not wait for the other worker.
  while (lock && ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) break;  // no locking here: work without it
    if (stop_requested()) return;
    ::usleep(20000);
  }
  std::set<std::string> tried;
  std::vector<std::string> batch = segments;
  // pool_size segments are read and compressed at once; each gives its slot
  // back before publishing (fsync, rename), so that the next segment's
  // compression overlaps the previous one's I/O: up to 2 x pool_size threads.
  unsigned pool = std::max(1u, options.pool_size);
  std::counting_semaphore<> slots(static_cast<std::ptrdiff_t>(pool));
  while (!batch.empty() && !stop_requested()) {
    exec::TaskGroup group(std::max(1u, std::min<unsigned>(2 * pool, static_cast<unsigned>(batch.size()))));
    // One look for the whole batch instead of one per segment (WalPushOptions::known_absent).
    std::set<std::string> absent = absent_segments(store, batch, options.codec);
    for (const auto& seg : batch) {
      if (pg::classify_wal_file(seg) != pg::WalFileKind::Segment || !tried.insert(seg).second) continue;
      bool known_absent = absent.count(seg) > 0;
      group.run([&store, &wal_dir, &options, &slots, seg, known_absent] {
        slots.acquire();  // before claiming: a segment not started yet stays unclaimed
        bool holding = true;
        auto give_back = [&] {
          if (holding) {
            holding = false;
            slots.release();
          }
        };
        std::string claim = layout::push_claim_path(wal_dir, seg);
        if (::mkdir(claim.c_str(), 0700) != 0) {  // another worker has it
          give_back();
          return;
        }
        try {
          push_one(store, wal_dir, wal_dir + "/" + seg, options, /*ahead=*/true, give_back, known_absent);
        } catch (const Error& e) {
          // PostgreSQL will ask for it again. Vanished or no longer ready (archived
          // and recycled meanwhile) is routine; any other failure is logged as a
          // warning: this worker runs detached, its log goes to syslog.
          bool routine = e.code() == ErrorCode::Cancelled || e.code() == ErrorCode::NotFound;
          log::write(routine ? log::Level::Info : log::Level::Warning, kLogger,
                     {"skip parallel archiving of a file", seg + ": " + e.message(), e.hint(), {{"seg", seg}}});
        } catch (...) {
          give_back();
          ::rmdir(claim.c_str());
          throw;
        }
        give_back();
        ::rmdir(claim.c_str());
      });
    }
    group.wait();
    // Segments that became ready meanwhile: keep ahead of PostgreSQL.
    try {
      batch = ahead_candidates(wal_dir, "", ahead_window(options), tried);
    } catch (const Error& e) {
      log::warning(kLogger, {"could not look for other ready WAL files", e.message(), {}, {}});
      batch.clear();
    }
  }
  try {
    prune_markers(wal_dir);
  } catch (const Error&) {
    // Only saves space; the next caller prunes again.
  }
}

}  // namespace wale::archive
