#include "archive/wal_prefetch.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "archive/wal_fetch.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/dir_watch.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/hashing_source.h"
#include "io/memory_streams.h"
#include "io/unique_fd.h"
#include "layout/spool_layout.h"
#include "pg/lsn.h"

namespace wale::archive {
namespace {

const char* kLogger = "wal_e.worker.prefetch";
constexpr std::time_t kAbandonedClaimSeconds = 60;

std::vector<std::string> next_segments(const std::string& name, unsigned depth) {
  std::vector<std::string> out;
  auto seg = pg::WalSegment::parse(name);
  if (!seg) return out;
  for (unsigned i = 0; i < depth; ++i) {
    seg = seg->next();
    out.push_back(seg->file_name());
  }
  return out;
}

// Removes everything that is not an expected segment (or its live claim).
void clean(const std::string& base, const std::set<std::string>& expected) {
  std::error_code ec;
  std::time_t now = std::time(nullptr);
  for (const auto& n : io::directory_names(base)) {
    if (n == layout::kPrefetchClaimDirName) continue;
    if (!expected.count(n)) {
      // Hidden temporaries of a live download belong to a claim; only remove old ones.
      struct stat st {};
      bool hidden = !n.empty() && n[0] == '.';
      if (hidden && ::stat(layout::prefetch_path(base, n).c_str(), &st) == 0 &&
          now - st.st_mtime < kAbandonedClaimSeconds)
        continue;
      std::filesystem::remove_all(layout::prefetch_path(base, n), ec);
    }
  }
  for (const auto& n : io::directory_names(layout::prefetch_claim_dir(base))) {
    struct stat st {};
    std::string p = layout::prefetch_claim_path(base, n);
    if (!expected.count(n) || (::stat(p.c_str(), &st) == 0 && now - st.st_mtime >= kAbandonedClaimSeconds)) {
      std::filesystem::remove_all(p, ec);
    }
  }
}

// True while a prefetcher holds the lock of `base`.
bool prefetcher_running(const std::string& base) {
  io::UniqueFd fd(::open(layout::prefetch_lock_path(base).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return false;  // released when fd closes
  return errno == EWOULDBLOCK;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The kernel's boot id (a UUID, new at every boot), or "" if it cannot be read.
std::string boot_id() {
  io::UniqueFd fd(::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC));
  char buf[64];
  ssize_t n = fd ? ::read(fd.get(), buf, sizeof buf) : -1;
  std::string id;
  for (ssize_t i = 0; i < n && (std::isxdigit(static_cast<unsigned char>(buf[i])) || buf[i] == '-'); ++i) id += buf[i];
  return id.size() == 36 ? id : std::string{};
}

// 16 hex digits naming the archive `store` reads (its location, e.g. s3://bucket/prefix/).
std::string archive_tag(const store::ObjectStore& store) {
  std::string location = store.describe("");
  io::StringViewSource source(location);
  return io::hash_all(source).substr(0, 16);
}

// Removes the prefetch directories (and locks) of other boots and other archives beside `base`.
void remove_other_spools(const std::string& base) {
  std::string spool = io::parent_dir(base);
  std::string mine = io::base_name(base);
  std::error_code ec;
  for (const auto& n : io::directory_names(spool)) {
    if (layout::is_prefetch_dir_name(n) && n != mine && n != mine + ".lock")
      std::filesystem::remove_all(spool + "/" + n, ec);
  }
}

// The segments of the window that are neither prefetched nor being prefetched.
std::vector<std::string> not_present(const std::string& base, const std::vector<std::string>& window) {
  std::vector<std::string> out;
  for (const auto& seg : window) {
    if (exists(layout::prefetch_path(base, seg)) || exists(layout::prefetch_claim_path(base, seg))) continue;
    out.push_back(seg);
  }
  return out;
}

}  // namespace

std::string prefetch_dir_for(const std::string& dest, const store::ObjectStore& store) {
  std::string boot = boot_id();
  if (boot.empty()) return {};
  std::string dir = io::parent_dir(dest);
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) != nullptr) dir = resolved;
  return layout::prefetch_dir(dir, boot, archive_tag(store));
}

PrefetchFetchResult wal_fetch_with_prefetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
                                            codec::Codec preferred, unsigned depth,
                                            const std::function<void(const PrefetchPlan&)>& start_prefetch) {
  PrefetchFetchResult result;
  // A killed wal-fetch's temporary beside %p (".RECOVERYXLOG.tmp.PID..."): one readdir of pg_wal.
  io::remove_stale_temps(io::parent_dir(dest), io::base_name(dest) + ".tmp.");
  bool segment = pg::classify_wal_file(name) == pg::WalFileKind::Segment;
  std::string base = segment && depth > 0 ? prefetch_dir_for(dest, store) : std::string{};
  bool prefetching = !base.empty();
  auto promote = [&] { return ::rename(layout::prefetch_path(base, name).c_str(), dest.c_str()) == 0; };
  bool promoted = prefetching && promote();
  if (prefetching && !promoted) {
    // A prefetcher may be downloading it right now: wait for it rather than
    // fetching the same segment twice (bounded; then fetch in-band).
    // Woken by inotify when a file is renamed into the spool or a claim ends
    // (polling every 2 ms cost a millisecond per call on average).
    std::string claim = layout::prefetch_claim_path(base, name);
    if (exists(claim)) {
      io::DirWatch watch;
      watch.add(base, IN_MOVED_TO);
      watch.add(layout::prefetch_claim_dir(base), IN_DELETE);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      // A claim exists only while a prefetcher holds the lock: one left by a
      // killed prefetcher is not waited for.
      while (!(promoted = promote()) && exists(claim) && prefetcher_running(base) && !stop_requested() &&
             std::chrono::steady_clock::now() < deadline) {
        watch.wait(std::chrono::milliseconds(100));
      }
    }
    if (!promoted) promoted = promote();
  }
  auto next = prefetching ? next_segments(name, depth) : std::vector<std::string>{};
  std::set<std::string> expected(next.begin(), next.end());
  // Cleans the prefetch directory and returns the plan, or nullopt if prefetch is off for this call.
  auto plan = [&]() -> std::optional<PrefetchPlan> {
    try {
      io::make_dirs(layout::prefetch_claim_dir(base), 0700);
      remove_other_spools(base);
      clean(base, expected);
    } catch (const Error& e) {
      // Prefetch only saves time: the requested file is restored, so report success.
      log::warning(kLogger, {"prefetch disabled for this call", e.message(), {}, {}});
      return std::nullopt;
    }
    return PrefetchPlan{base, not_present(base, next), next};
  };

  bool started = false;
  if (promoted) {
    result.found = result.from_prefetch = true;
    log::info(kLogger, {"promoted prefetched wal segment", {}, {}, {{"action", "wal-fetch"}, {"seg", name}}});
  } else {
    // In-band: once the archive is known to hold it, start the prefetcher
    // before downloading, so that the next segments download meanwhile (a
    // segment not archived yet, as a standby polls for, starts nothing).
    auto start_early = [&] {
      if (!prefetching || !start_prefetch || prefetcher_running(base)) return;
      if (auto p = plan(); p && !p->missing.empty()) {
        result.plan = *p;
        start_prefetch(result.plan);
        started = true;
      }
    };
    result.found = wal_fetch(store, name, dest, preferred, start_early);
  }
  if (!prefetching || !result.found || started) return result;
  if (prefetcher_running(base)) return result;  // it keeps the window full and clean

  auto p = plan();
  if (!p) return result;
  result.plan = std::move(*p);
  // Refill in batches: a background process costs a start-up, so start one only
  // when the next segment itself is missing or half the window is.
  bool next_missing = !result.plan.missing.empty() && result.plan.missing.front() == next.front();
  if (!next_missing && result.plan.missing.size() * 2 < next.size()) result.plan.missing.clear();
  if (start_prefetch && !result.plan.missing.empty()) start_prefetch(result.plan);
  return result;
}

namespace {

enum class Fetched { Present, Missing, Skipped, SpoolGone };

// Downloads `seg` into `base` under its claim.
Fetched prefetch_one(store::ObjectStore& store, const std::string& base, const std::string& seg,
                     codec::Codec preferred) {
  std::string claim = layout::prefetch_claim_path(base, seg);
  if (::mkdir(claim.c_str(), 0700) != 0) {
    // EEXIST: someone else is on it. Anything else (ENOENT: the restore's
    // directory was removed; EACCES, ENOSPC, ...) means there is nowhere to
    // prefetch into: the prefetcher stops instead of skipping on forever.
    return errno == EEXIST ? Fetched::Skipped : Fetched::SpoolGone;
  }
  Fetched out = Fetched::Present;
  try {
    if (!exists(layout::prefetch_path(base, seg)) &&
        !wal_fetch(store, seg, layout::prefetch_path(base, seg), preferred))
      out = Fetched::Missing;
  } catch (const Error& e) {
    // Not archived yet is routine; any other failure is logged as a warning:
    // this worker runs detached, its log goes to syslog. wal-fetch fetches
    // the segment itself when PostgreSQL asks for it.
    bool routine = e.code() == ErrorCode::NotFound || e.code() == ErrorCode::Cancelled;
    log::write(routine ? log::Level::Debug : log::Level::Warning, kLogger,
               {"prefetch failed", seg + ": " + e.message(), e.hint(), {{"seg", seg}}});
    out = Fetched::Missing;
  }
  std::error_code ec;
  std::filesystem::remove_all(claim, ec);
  return out;
}

// Wakes the scheduler of wal_prefetch: an inotify watch on the spool (a
// prefetched file taken away) and an eventfd (a download finished).
class Wakeup {
 public:
  explicit Wakeup(const std::string& base) : done_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    watch_.add(base, IN_MOVED_FROM | IN_DELETE);
  }
  // From a worker thread: a download has finished.
  void finished() noexcept {
    std::uint64_t one = 1;
    if (done_) [[maybe_unused]]
      auto n = ::write(done_.get(), &one, sizeof one);
  }
  // Sleeps until either event or `ms` (the callers re-check their state; at
  // most 100 ms without inotify or eventfd, so that a stop request is seen).
  void wait(int ms) {
    if (!done_) ms = std::min(ms, 2);
    watch_.wait(std::chrono::milliseconds(ms), done_.get());
    std::uint64_t count = 0;
    if (done_) [[maybe_unused]]
      auto n = ::read(done_.get(), &count, sizeof count);
  }

 private:
  io::DirWatch watch_;
  io::UniqueFd done_;
};

}  // namespace

void wal_prefetch(store::ObjectStore& store, const std::string& base, const std::vector<std::string>& segments,
                  codec::Codec preferred, unsigned parallelism, std::chrono::milliseconds linger) {
  io::make_dirs(layout::prefetch_claim_dir(base), 0700);
  io::UniqueFd lock(::open(layout::prefetch_lock_path(base).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock && ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) return;  // another prefetcher keeps the window full
  // Claims are made only under the lock: any claim now is a killed prefetcher's
  // (its temporaries are hidden files, never used, removed by clean()).
  std::error_code ec;
  for (const auto& n : io::directory_names(layout::prefetch_claim_dir(base)))
    std::filesystem::remove_all(layout::prefetch_claim_path(base, n), ec);
  const std::size_t window = segments.size();
  if (window == 0) return;
  parallelism = std::max(1u, std::min<unsigned>(parallelism, static_cast<unsigned>(window)));
  Wakeup wakeup(base);
  std::mutex mu;                       // guards outstanding, in_flight and ended while downloads run
  std::set<std::string> outstanding;   // prefetched (or being prefetched elsewhere), not yet taken
  unsigned in_flight = 0;              // downloads started, not finished
  bool ended = false;                  // a segment is not in the archive (yet), or the spool is gone
  std::size_t given = 0;               // segments[0, given) are scheduled
  std::optional<pg::WalSegment> last;  // the last segment scheduled
  // The next segment to download: the given window first, then (lingering) the ones after it.
  auto next_name = [&]() -> std::optional<std::string> {
    for (; given < segments.size(); ++given) {
      if (pg::classify_wal_file(segments[given]) != pg::WalFileKind::Segment) continue;
      last = pg::WalSegment::parse(segments[given++]);
      return last->file_name();
    }
    if (linger.count() <= 0 || !last) return std::nullopt;
    last = last->next();
    return last->file_name();
  };
  auto idle_since = std::chrono::steady_clock::now();  // last download finished or file taken
  // A pipeline, not batches: as soon as a download finishes or wal-fetch takes
  // a file, the next segment starts, so every worker is busy while the window
  // has room (a batch waited for its slowest download).
  exec::TaskGroup group(parallelism);
  bool names_left = true;
  for (;;) {
    int wait_ms = 0;
    {
      std::lock_guard guard(mu);
      // Stopped or failed: the group skips tasks not yet started (and queues no
      // new ones), which would never count themselves out of in_flight; the
      // running ones are waited for below.
      if (stop_requested() || group.cancelled()) break;
      std::size_t before = outstanding.size();
      std::erase_if(outstanding, [&](const std::string& seg) {
        return !exists(layout::prefetch_path(base, seg)) && !exists(layout::prefetch_claim_path(base, seg));
      });
      if (outstanding.size() < before) idle_since = std::chrono::steady_clock::now();
      while (names_left && !ended && in_flight < parallelism && outstanding.size() + in_flight < window) {
        auto seg = next_name();
        if (!seg) {
          names_left = false;
          break;
        }
        ++in_flight;
        group.run([&, seg = *seg] {
          Fetched f = Fetched::Missing;
          try {
            f = prefetch_one(store, base, seg, preferred);
          } catch (...) {
            std::lock_guard g(mu);
            --in_flight;
            ended = true;
            wakeup.finished();
            throw;
          }
          std::lock_guard g(mu);
          --in_flight;
          idle_since = std::chrono::steady_clock::now();
          if (f == Fetched::Missing || f == Fetched::SpoolGone) ended = true;
          else outstanding.insert(seg);  // Skipped: another process is fetching it
          wakeup.finished();
        });
      }
      if (in_flight == 0) {
        if (ended || !names_left || linger.count() <= 0) break;
        // The window is full: keep it so while wal-fetch takes files; stop when idle.
        if (std::chrono::steady_clock::now() - idle_since >= linger) break;
      }
      auto left =
          linger - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - idle_since);
      // With downloads running, their ends wake the loop (eventfd).
      wait_ms = in_flight > 0 ? 100 : static_cast<int>(std::max<std::int64_t>(left.count(), 0)) + 1;
    }
    wakeup.wait(wait_ms);
  }
  group.wait();
}

}  // namespace wale::archive
