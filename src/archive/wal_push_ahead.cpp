#include "archive/wal_push_ahead.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "archive/wal_archive.h"
#include "core/error.h"
#include "core/log.h"
#include "core/process.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/dir_watch.h"
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

// The file system's clock for files of `wal_dir` on device `dev` (see the
// header): the ctime the kernel gives <wal_dir>/.wal-e/clock when it is
// touched now. nullopt if the probe cannot be made or is on another device.
std::optional<std::int64_t> probe_fs_clock(const std::string& wal_dir, std::uint64_t dev) {
  std::string path = layout::fs_clock_probe_path(wal_dir);
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  io::UniqueFd fd(::open(path.c_str(), flags, 0600));
  if (!fd && errno == ENOENT) {
    try {
      io::make_dirs(layout::spool_dir(wal_dir), 0700);
    } catch (const Error&) {
      return std::nullopt;
    }
    fd = io::UniqueFd(::open(path.c_str(), flags, 0600));
  }
  struct stat st {};
  if (!fd || ::futimens(fd.get(), nullptr) != 0 || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_dev) != dev) return std::nullopt;
  return ns_of(st.st_ctim);
}

// A reading of the file system's clock of `wal_dir` (on device `dev`) newer
// than `ctime_ns` if this process made one before, else a new probe (or
// nullopt). Any probe made before a file is opened proves that the clock had
// moved past the file's ctime, so one probe serves every later push: touching
// the probe is a metadata change that can wait for a journal commit (ext4),
// which the worker's fsyncs keep frequent.
std::optional<std::int64_t> fs_clock_after(const std::string& wal_dir, std::uint64_t dev, std::int64_t ctime_ns) {
  static std::mutex mu;                                                         // guards newest
  static std::map<std::pair<std::string, std::uint64_t>, std::int64_t> newest;  // (wal_dir, dev) -> probe
  auto where = std::make_pair(wal_dir, dev);
  {
    std::lock_guard lock(mu);
    if (auto it = newest.find(where); it != newest.end() && it->second > ctime_ns) return it->second;
  }
  auto now = probe_fs_clock(wal_dir, dev);
  if (now) {
    std::lock_guard lock(mu);
    auto [it, fresh] = newest.emplace(where, *now);
    if (!fresh) it->second = std::max(it->second, *now);
  }
  return now;
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
// How long a call waits for a worker that claimed its segment before pushing it itself.
constexpr std::chrono::seconds kClaimWait{10};

// Whether the marker of `name` was written for the file now there (only
// chooses the ahead set: a wal-push still confirms with marker_confirms).
bool marker_matches_file(const std::string& wal_dir, const std::string& name) {
  std::ifstream in(layout::push_marker_path(wal_dir, name));
  FileIdentity recorded;
  if (!in || !(in >> recorded.ino >> recorded.size >> recorded.mtime_ns)) return false;
  auto now = identity_of(wal_dir + "/" + name);
  return now && now->ino == recorded.ino && now->size == recorded.size && now->mtime_ns == recorded.mtime_ns;
}

// Whether the process the claim of `name` names is gone (false when it names
// none: a claim being made, or one of an older wal-e: only its age tells).
bool claim_owner_gone(const std::string& wal_dir, const std::string& name) {
  std::ifstream in(layout::push_claim_owner_path(wal_dir, name));
  long pid = 0;
  return (in >> pid) && process_gone(pid);
}

// Removes a claim directory and its owner file.
void remove_claim(const std::string& wal_dir, const std::string& name) {
  ::unlink(layout::push_claim_owner_path(wal_dir, name).c_str());
  ::rmdir(layout::push_claim_path(wal_dir, name).c_str());
}

// True while a live worker holds the claim for `name`. A claim whose process
// is gone (killed before it could remove it) is removed at once, any claim
// after kAbandonedClaimSeconds.
bool claimed(const std::string& wal_dir, const std::string& name) {
  std::string claim = layout::push_claim_path(wal_dir, name);
  struct stat st {};
  if (::stat(claim.c_str(), &st) != 0) return false;
  if (::time(nullptr) - st.st_mtime >= kAbandonedClaimSeconds || claim_owner_gone(wal_dir, name)) {
    remove_claim(wal_dir, name);
    return false;
  }
  return true;
}

// Waits while a live worker holds the claim of `name`, at most `bound`: woken
// by the claim's removal (inotify on the claim directory) rather than polling,
// so a call returns as soon as its segment is stored. Returns whether the
// claim is gone.
bool wait_for_claim(const std::string& wal_dir, const std::string& name, std::chrono::milliseconds bound) {
  if (!claimed(wal_dir, name)) return true;
  auto deadline = std::chrono::steady_clock::now() + bound;
  io::DirWatch watch;
  watch.add(layout::push_claim_dir(wal_dir), IN_DELETE);
  while (claimed(wal_dir, name)) {  // checked after the watch is set: no removal is missed
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline || stop_requested()) return false;
    watch.wait(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1));
  }
  return true;
}

// A claim this process holds (the directory layout::push_claim_path, naming
// this process in layout::push_claim_owner_path), removed when it goes out of
// scope.
class Claim {
 public:
  enum class Outcome { Taken, HeldElsewhere, Impossible };
  Claim() = default;
  // Tries to claim `name`, making the claim directory on first use.
  // Impossible: the claim cannot be made (read-only, no space, ...); the
  // caller then works without a claim.
  Outcome take(const std::string& wal_dir, const std::string& name) {
    std::string path = layout::push_claim_path(wal_dir, name);
    int rc = ::mkdir(path.c_str(), 0700);
    if (rc != 0 && errno == ENOENT) {
      try {
        io::make_dirs(layout::push_claim_dir(wal_dir), 0700);
      } catch (const Error&) {
        return Outcome::Impossible;
      }
      rc = ::mkdir(path.c_str(), 0700);
    }
    if (rc != 0) return errno == EEXIST ? Outcome::HeldElsewhere : Outcome::Impossible;
    wal_dir_ = wal_dir;
    name_ = name;
    // Who holds it, so that a claim outliving a killed process is not waited for. Without
    // the file (no space) the claim still holds; only its age then ends it.
    io::UniqueFd owner(
        ::open(layout::push_claim_owner_path(wal_dir, name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    std::string pid = std::to_string(::getpid()) + "\n";
    if (owner && ::write(owner.get(), pid.data(), pid.size()) < 0) {
      // as without the file
    }
    return Outcome::Taken;
  }
  ~Claim() {
    if (!name_.empty()) remove_claim(wal_dir_, name_);
  }
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;

 private:
  std::string wal_dir_;
  std::string name_;  // empty: nothing claimed
};

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
  // (and older than the file system's clock before it, or than settled_age
  // by the system clock) means the bytes read are the file's settled content.
  // The probe may follow that stat: a change between them is read, and any
  // change after the probe gets a newer ctime.
  std::int64_t started_ns = realtime_ns();
  auto before = identity_of(path);
  std::optional<std::int64_t> fs_now;
  if (segment && before) {
    fs_now = options.fs_clock ? options.fs_clock(wal_dir, before->dev)
                              : fs_clock_after(wal_dir, before->dev, before->ctime_ns);
  }
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
    bool settled = before && *before == *read_id &&
                   (fs_now ? read_id->ctime_ns < *fs_now : read_id->ctime_ns <= started_ns - settled_ns);
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

// The worker's queue of segments (oldest first) and its compression slots.
// next() hands out the oldest queued segment once fewer than pool_size are
// being read and compressed (so the oldest are always in progress: the
// segments PostgreSQL asks for next); when the queue is empty it looks for
// newly ready segments (after each finished push), and it returns nullopt once
// a look finds none and no push is in hand, after a failed look, or on a stop
// request. Thread-safe.
class Pipeline {
 public:
  Pipeline(store::ObjectStore& store, std::string wal_dir, const PushAheadOptions& options)
      : store_(store), wal_dir_(std::move(wal_dir)), options_(options), pool_(std::max(1u, options.pool_size)) {}

  // Queues the segments of `segs` not queued before, and looks them up in the
  // store together (absent_segments: one listing per 16 neighbours instead of
  // one look per push). Call before the threads start, or with mu_ held.
  void add(const std::vector<std::string>& segs) {
    std::vector<std::string> fresh;
    for (const auto& seg : segs) {
      if (pg::classify_wal_file(seg) == pg::WalFileKind::Segment && tried_.insert(seg).second) {
        queue_.push_back(seg);
        fresh.push_back(seg);
      }
    }
    if (!fresh.empty()) absent_.merge(absent_segments(store_, fresh, options_.codec));
  }
  // The batch look found no object of `seg` (WalPushOptions::known_absent).
  bool known_absent(const std::string& seg) {
    std::lock_guard lock(mu_);
    return absent_.count(seg) > 0;
  }

  std::optional<std::string> next() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (ended_ || stop_requested()) return end();
      if (compressing_ < pool_) {
        if (queue_.empty() && finished_ != looked_at_) refill();
        if (!queue_.empty()) {
          std::string seg = std::move(queue_.front());
          queue_.pop_front();
          ++compressing_;
          ++in_hand_;
          return seg;
        }
        if (in_hand_ == 0 || ended_) return end();
      }
      cv_.wait(lock);
    }
  }
  // The slot of a segment handed out by next() is free (its bytes are read and compressed).
  void compressed() {
    std::lock_guard lock(mu_);
    --compressing_;
    cv_.notify_all();
  }
  // A segment handed out by next() is done with (stored, skipped or failed).
  void finished() {
    std::lock_guard lock(mu_);
    --in_hand_;
    ++finished_;
    cv_.notify_all();
  }

 private:
  std::optional<std::string> end() {
    ended_ = true;
    cv_.notify_all();
    return std::nullopt;
  }
  void refill() {  // mu_ held
    looked_at_ = finished_;
    try {
      add(ahead_candidates(wal_dir_, "", ahead_window(options_), tried_));
    } catch (const Error& e) {
      log::warning(kLogger, {"could not look for other ready WAL files", e.message(), {}, {}});
      ended_ = true;
    }
  }

  store::ObjectStore& store_;
  const std::string wal_dir_;
  const PushAheadOptions& options_;
  const unsigned pool_;
  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> tried_;                  // ever queued: never pushed twice by this worker
  std::set<std::string> absent_;                 // queued segments the store had no object of
  unsigned compressing_ = 0;                     // handed out, not yet compressed()
  unsigned in_hand_ = 0;                         // handed out, not yet finished()
  std::uint64_t finished_ = 0;                   // finished() calls so far
  std::uint64_t looked_at_ = ~std::uint64_t{0};  // finished_ at the last look (none yet)
  bool ended_ = false;
};

// Pushes `seg` under its claim for the worker; gives the slot back once its
// bytes are read and compressed. Failures are logged (PostgreSQL asks again).
void push_claimed(store::ObjectStore& store, const std::string& wal_dir, const std::string& seg,
                  const PushAheadOptions& options, Pipeline& line) {
  struct Hold {
    Pipeline& line;
    bool compressing = true;
    void give_back() {
      if (compressing) {
        compressing = false;
        line.compressed();
      }
    }
    ~Hold() {
      give_back();
      line.finished();
    }
  } hold{line};
  Claim claim;
  if (claim.take(wal_dir, seg) != Claim::Outcome::Taken) return;  // another worker or a wal-push has it
  try {
    push_one(
        store, wal_dir, wal_dir + "/" + seg, options, /*ahead=*/true, [&hold] { hold.give_back(); },
        line.known_absent(seg));
  } catch (const Error& e) {
    // PostgreSQL will ask for it again. Vanished or no longer ready (archived
    // and recycled meanwhile) is routine; any other failure is logged as a
    // warning: this worker runs detached, its log goes to syslog.
    bool routine = e.code() == ErrorCode::Cancelled || e.code() == ErrorCode::NotFound;
    log::write(routine ? log::Level::Info : log::Level::Warning, kLogger,
               {"skip parallel archiving of a file", seg + ": " + e.message(), e.hint(), {{"seg", seg}}});
  }
}

}  // namespace

bool push_ahead_worker_running(const std::string& wal_dir) {
  io::UniqueFd fd(::open(layout::push_ahead_lock_path(wal_dir).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  // A lock of another open file description conflicts, in this process too.
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return false;  // released when fd closes
  return errno == EWOULDBLOCK;
}

PushAheadResult wal_push_with_ahead(store::ObjectStore& store, const std::string& path, const PushAheadOptions& options,
                                    const std::function<void(std::vector<std::string>)>& start_ahead) {
  std::string wal_dir = io::parent_dir(path);
  std::string name = io::base_name(path);
  bool segment = pg::classify_wal_file(name) == pg::WalFileKind::Segment;
  PushAheadResult out;
  Claim own;
  if (segment && options.pool_size > 1) {
    // A worker is pushing it: wait for it (bounded) instead of pushing it twice.
    // Otherwise claim it, so that a running worker does not push it too.
    auto deadline = std::chrono::steady_clock::now() + kClaimWait;
    while (own.take(wal_dir, name) == Claim::Outcome::HeldElsewhere) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_for_claim(wal_dir, name, left)) break;  // a stuck claim: push it anyway
    }
  }
  // The other ready segments, unless a running worker looks for them itself:
  // found before the push and handed to start_ahead at once, so that a worker
  // it starts compresses them while this call pushes its own.
  if (segment && options.pool_size > 1 && !push_ahead_worker_running(wal_dir)) {
    try {
      out.ahead = ahead_candidates(wal_dir, name, ahead_window(options));
      prune_markers(wal_dir);
    } catch (const Error& e) {
      // Push-ahead only saves time: the requested segment is pushed all the same.
      log::warning(kLogger, {"could not look for other ready WAL files", e.message(), {}, {}});
      out.ahead.clear();
    }
    if (start_ahead && !out.ahead.empty()) start_ahead(out.ahead);
  }
  std::tie(out.result, out.confirmed) = push_one(store, wal_dir, path, options, /*ahead=*/false);
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
  // pool_size segments are read and compressed at once, oldest first; each
  // gives its slot back before publishing (fsync, rename), so that the next
  // segment's compression overlaps the previous one's I/O: up to 2 x pool_size
  // threads. The queue is refilled with newly ready segments whenever it runs
  // dry, and the worker ends once a look finds none and no push is in hand.
  Pipeline line(store, wal_dir, options);
  line.add(segments);
  unsigned pool = std::max(1u, options.pool_size);
  exec::TaskGroup group(2 * pool);
  for (unsigned t = 0; t < 2 * pool; ++t) {
    group.run([&] {
      while (auto seg = line.next()) push_claimed(store, wal_dir, *seg, options, line);
    });
  }
  group.wait();
  try {
    prune_markers(wal_dir);
  } catch (const Error&) {
    // Only saves space; the next caller prunes again.
  }
}

}  // namespace wale::archive
