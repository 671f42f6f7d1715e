#include "archive/wal_prefetch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>

#include "archive/wal_fetch.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
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

}  // namespace

std::string prefetch_dir_for(const std::string& dest) {
  std::string dir = io::parent_dir(dest);
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) != nullptr) dir = resolved;
  return layout::prefetch_dir(dir);
}

PrefetchFetchResult wal_fetch_with_prefetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
                                            codec::Codec preferred, unsigned depth) {
  PrefetchFetchResult result;
  // A killed wal-fetch's temporary beside %p (".RECOVERYXLOG.tmp.PID..."): one readdir of pg_wal.
  io::remove_stale_temps(io::parent_dir(dest), io::base_name(dest) + ".tmp.");
  bool segment = pg::classify_wal_file(name) == pg::WalFileKind::Segment;
  std::string base = prefetch_dir_for(dest);
  auto promote = [&] { return ::rename(layout::prefetch_path(base, name).c_str(), dest.c_str()) == 0; };
  bool promoted = segment && depth > 0 && promote();
  if (segment && depth > 0 && !promoted) {
    // A prefetcher may be downloading it right now: wait for it rather than
    // fetching the same segment twice (bounded; then fetch in-band).
    std::string claim = layout::prefetch_claim_path(base, name);
    for (int i = 0; i < 1000 && ::access(claim.c_str(), F_OK) == 0 && !stop_requested(); ++i) {
      ::usleep(10000);
      if ((promoted = promote())) break;
    }
    if (!promoted) promoted = promote();
  }
  if (promoted) {
    result.found = result.from_prefetch = true;
    log::info(kLogger, {"promoted prefetched wal segment", {}, {}, {{"action", "wal-fetch"}, {"seg", name}}});
  } else {
    result.found = wal_fetch(store, name, dest, preferred);
  }
  if (!segment || depth == 0 || !result.found) return result;

  auto next = next_segments(name, depth);
  std::set<std::string> expected(next.begin(), next.end());
  try {
    io::make_dirs(layout::prefetch_claim_dir(base), 0700);
    clean(base, expected);
  } catch (const Error& e) {
    // Prefetch only saves time: the requested file is restored, so report success.
    log::warning(kLogger, {"prefetch disabled for this call", e.message(), {}, {}});
    return result;
  }
  result.plan.base = base;
  for (const auto& seg : next) {
    if (::access(layout::prefetch_path(base, seg).c_str(), F_OK) == 0) continue;
    if (::access(layout::prefetch_claim_path(base, seg).c_str(), F_OK) == 0) continue;
    result.plan.missing.push_back(seg);
  }
  // Refill in batches: a background process costs a start-up, so start one only
  // when the next segment itself is missing or half the window is.
  bool next_missing = !result.plan.missing.empty() && result.plan.missing.front() == next.front();
  if (!next_missing && result.plan.missing.size() * 2 < next.size()) result.plan.missing.clear();
  return result;
}

void wal_prefetch(store::ObjectStore& store, const std::string& base, const std::vector<std::string>& segments,
                  codec::Codec preferred, unsigned parallelism) {
  io::make_dirs(layout::prefetch_claim_dir(base), 0700);
  exec::TaskGroup group(std::max(1u, std::min<unsigned>(parallelism, static_cast<unsigned>(segments.size()))));
  for (const auto& seg : segments) {
    if (pg::classify_wal_file(seg) != pg::WalFileKind::Segment) continue;
    group.run([&store, &base, seg, preferred] {
      std::string claim = layout::prefetch_claim_path(base, seg);
      if (::mkdir(claim.c_str(), 0700) != 0) return;  // someone else is on it
      try {
        if (::access(layout::prefetch_path(base, seg).c_str(), F_OK) != 0)
          wal_fetch(store, seg, layout::prefetch_path(base, seg), preferred);
      } catch (const Error& e) {
        // Not archived yet is routine; any other failure is logged as a warning:
        // this worker runs detached, its log goes to syslog. wal-fetch fetches
        // the segment itself when PostgreSQL asks for it.
        bool routine = e.code() == ErrorCode::NotFound || e.code() == ErrorCode::Cancelled;
        log::write(routine ? log::Level::Debug : log::Level::Warning, kLogger,
                   {"prefetch failed", seg + ": " + e.message(), e.hint(), {{"seg", seg}}});
      }
      std::error_code ec;
      std::filesystem::remove_all(claim, ec);
    });
  }
  group.wait();
}

}  // namespace wale::archive
