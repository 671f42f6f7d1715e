#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <mutex>
#include <thread>

#include <filesystem>
#include <fstream>

#include "archive/wal_prefetch.h"
#include "archive/wal_push_ahead.h"
#include "core/error.h"
#include "core/stop_token.h"
#include "layout/spool_layout.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

namespace fs = std::filesystem;

class PgWalDir {
 public:
  PgWalDir() : wal_(dir_.path() + "/pg_wal") { fs::create_directories(wal_ + "/archive_status"); }
  std::string add(const std::string& name, bool ready, char fill = 'w') {
    std::ofstream(wal_ + "/" + name, std::ios::binary) << std::string(70000, fill) << name;
    if (ready) std::ofstream(wal_ + "/archive_status/" + name + ".ready");
    return wal_ + "/" + name;
  }
  const std::string& wal() const { return wal_; }

 private:
  test::TempDir dir_;
  std::string wal_;
};

std::string seg(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0000000100000000000000%02X", n);
  return buf;
}

// What the app does, in one thread: the push, then the worker (which the app
// starts before the push) with the ahead set found before it.
WalPushResult push(store::ObjectStore& store, const std::string& path, PushAheadOptions opts) {
  auto r = wal_push_with_ahead(store, path, opts);
  wal_push_ahead_worker(store, fs::path(path).parent_path().string(), r.ahead, opts);
  return r.result;
}

TEST(WalPushAhead, PushesReadySegmentsWithoutTouchingStatusFiles) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  for (int i = 2; i <= 6; ++i) pg.add(seg(i), true);
  pg.add("00000002.history", true);  // not a segment: not pushed ahead
  store::MemoryStore store;
  auto r = wal_push_with_ahead(store, first, {codec::Codec::Zstd, 4});
  EXPECT_EQ(r.result, WalPushResult::Stored);
  EXPECT_EQ(r.ahead, (std::vector<std::string>{seg(2), seg(3), seg(4), seg(5), seg(6)}));
  EXPECT_FALSE(store.stat("wal_005/" + seg(2) + ".zst"));  // the caller does not wait for them
  wal_push_ahead_worker(store, pg.wal(), r.ahead, {codec::Codec::Zstd, 4});
  for (int i = 1; i <= 6; ++i) EXPECT_TRUE(store.stat("wal_005/" + seg(i) + ".zst")) << i;
  EXPECT_FALSE(store.stat("wal_005/00000002.history.zst"));
  for (int i = 1; i <= 6; ++i) {
    EXPECT_TRUE(fs::exists(pg.wal() + "/archive_status/" + seg(i) + ".ready")) << "status file changed for " << i;
  }
  EXPECT_FALSE(fs::exists(pg.wal() + "/archive_status/" + seg(2) + ".done"));
}

TEST(WalPushAhead, LaterPushOfAPushedAheadSegmentReturnsAtOnce) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  std::string second = pg.add(seg(2), true);
  store::MemoryStore store;
  push(store, first, {codec::Codec::Zstd, 4});
  EXPECT_EQ(push(store, second, {codec::Codec::Zstd, 4}), WalPushResult::AlreadyArchived);
}

TEST(WalPushAhead, AheadSetSkipsSegmentsAlreadyPushed) {
  PgWalDir pg;
  std::vector<std::string> paths;
  for (int i = 1; i <= 12; ++i) paths.push_back(pg.add(seg(i), true));
  store::MemoryStore store;
  push(store, paths[0], {codec::Codec::Zstd, 2});  // stores 1, then the worker every other ready one
  pg.add(seg(13), true);
  pg.add(seg(14), true);
  auto r = wal_push_with_ahead(store, paths[1], {codec::Codec::Zstd, 2});
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  // 1 and 3..12 are still .ready in archive_status (PostgreSQL has not asked yet) but stored: skipped.
  EXPECT_EQ(r.ahead, (std::vector<std::string>{seg(13), seg(14)}));
}

TEST(WalPushAhead, WorkerKeepsPushingSegmentsThatAreReady) {
  PgWalDir pg;
  for (int i = 2; i <= 20; ++i) pg.add(seg(i), true);
  store::MemoryStore store;
  // Handed one segment, the worker looks again after each batch until no ready one is left:
  // one worker process keeps ahead of PostgreSQL instead of one process per archive_command.
  wal_push_ahead_worker(store, pg.wal(), {seg(2)}, {codec::Codec::Zstd, 2});
  for (int i = 2; i <= 20; ++i) EXPECT_TRUE(store.stat("wal_005/" + seg(i) + ".zst")) << i;
}

TEST(WalPushAhead, WhileAWorkerRunsTheCallerNeitherScansNorProposesAnotherOne) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  for (int i = 2; i <= 6; ++i) pg.add(seg(i), true);
  fs::create_directories(pg.wal() + "/.wal-e");
  // A running worker holds the lock (another open file description: flock conflicts in-process too).
  int fd = ::open((pg.wal() + "/.wal-e/push-ahead.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  store::MemoryStore store;
  auto r = wal_push_with_ahead(store, first, {codec::Codec::Zstd, 2});
  EXPECT_EQ(r.result, WalPushResult::Stored);
  EXPECT_TRUE(r.ahead.empty()) << "a second worker would be started next to the running one";
  ::close(fd);  // the worker is gone: the next caller proposes the ahead set again
  auto again = wal_push_with_ahead(store, first, {codec::Codec::Zstd, 2});
  EXPECT_EQ(again.ahead, (std::vector<std::string>{seg(2), seg(3), seg(4), seg(5), seg(6)}));
}

TEST(WalPushAhead, TemporariesOfKilledMarkerWritesAreSwept) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  pg.add(seg(2), true);
  fs::create_directories(pg.wal() + "/.wal-e/pushed");
  // A marker temporary of a process that no longer exists (pids never reach 2^31 - 2), idle 2 minutes.
  std::string left = pg.wal() + "/.wal-e/pushed/." + seg(3) + ".tmp.2147483646.0.0000abcd";
  std::ofstream(left) << "partial";
  struct timespec t[2];
  ::clock_gettime(CLOCK_REALTIME, &t[0]);
  t[0].tv_sec -= 120;
  t[1] = t[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, left.c_str(), t, 0), 0);
  store::MemoryStore store;
  wal_push_with_ahead(store, first, {codec::Codec::Zstd, 4});
  EXPECT_FALSE(fs::exists(left));
}

TEST(WalPushAhead, ClaimedSegmentsAreLeftToTheirWorker) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  pg.add(seg(2), true);
  pg.add(seg(3), true);
  fs::create_directories(pg.wal() + "/.wal-e/pushing/" + seg(2));
  store::MemoryStore store;
  auto r = wal_push_with_ahead(store, first, {codec::Codec::Zstd, 4});
  EXPECT_EQ(r.ahead, std::vector<std::string>{seg(3)});
  wal_push_ahead_worker(store, pg.wal(), {seg(2)}, {codec::Codec::Zstd, 4});
  EXPECT_FALSE(store.stat("wal_005/" + seg(2) + ".zst"));  // its claim holder owns it
}

TEST(WalPushAhead, StaleMarkerIsNotTrusted) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  std::string second = pg.add(seg(2), true);
  store::MemoryStore store;
  push(store, first, {codec::Codec::Zstd, 4});
  // The object was lost (deleted) after the push-ahead: the marker must not hide that.
  std::vector<std::string> keys{"wal_005/" + seg(2) + ".zst"};
  store.remove(keys);
  EXPECT_EQ(push(store, second, {codec::Codec::Zstd, 4}), WalPushResult::Stored);
  EXPECT_TRUE(store.stat(keys[0]));
}

TEST(WalPushAhead, FailureOfTheRequestedFileIsReported) {
  PgWalDir pg;
  pg.add(seg(2), true);
  store::MemoryStore store;
  EXPECT_THROW(wal_push_with_ahead(store, pg.wal() + "/" + seg(1), {codec::Codec::Zstd, 4}), Error);
}

TEST(WalPushAhead, TheWorkerDoesNotWaitForASlowSegmentBeforeStartingLaterOnes) {
  // The worker used to push batches of 8 and wait for a whole batch before
  // looking further: one slow segment held every later one back, and its
  // free slot sat idle. Now the queue refills as pushes finish.
  PgWalDir pg;
  for (int i = 2; i <= 20; ++i) pg.add(seg(i), true);
  store::MemoryStore memory;
  test::FaultInjectingStore store(memory);
  std::mutex mu;
  std::condition_variable cv;
  bool later_started = false;
  std::atomic<bool> blocked_once{false};
  std::atomic<bool> saw_later_while_blocked{false};
  store.on_put = [&](const std::string& key) {
    if (key == "wal_005/" + seg(14) + ".zst") {
      std::lock_guard lock(mu);
      later_started = true;
      cv.notify_all();
    }
  };
  store.on_write = [&](const std::string& key) {
    if (key != "wal_005/" + seg(2) + ".zst" || blocked_once.exchange(true)) return;
    std::unique_lock lock(mu);  // seg 2 is slow: it holds its slot until seg 14 has started (bounded)
    saw_later_while_blocked = cv.wait_for(lock, std::chrono::seconds(30), [&] { return later_started; });
  };
  wal_push_ahead_worker(store, pg.wal(), {seg(2), seg(3), seg(4)}, {codec::Codec::Zstd, 2});
  EXPECT_TRUE(saw_later_while_blocked) << "segment 14 waited for segment 2";
  for (int i = 2; i <= 20; ++i) EXPECT_TRUE(memory.stat("wal_005/" + seg(i) + ".zst")) << i;
}

TEST(WalPushAhead, ACallClaimsTheSegmentItPushesItself) {
  // A running worker must not push the segment a wal-push is pushing (twice
  // the work, then a Conflict to compare): the call holds the segment's claim.
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  pg.add(seg(2), true);
  fs::create_directories(pg.wal() + "/.wal-e/pushing");  // a worker has run here
  store::MemoryStore memory;
  test::FaultInjectingStore store(memory);
  bool claimed_while_pushing = false;
  store.on_put = [&](const std::string& key) {
    if (key == "wal_005/" + seg(1) + ".zst") claimed_while_pushing = fs::exists(pg.wal() + "/.wal-e/pushing/" + seg(1));
  };
  auto r = wal_push_with_ahead(store, first, {codec::Codec::Zstd, 2});
  EXPECT_EQ(r.result, WalPushResult::Stored);
  EXPECT_TRUE(claimed_while_pushing);
  EXPECT_FALSE(fs::exists(pg.wal() + "/.wal-e/pushing/" + seg(1))) << "the claim outlived the call";
  // The worker, handed that segment while a call holds it, leaves it alone.
  store.on_put = nullptr;
  fs::create_directories(pg.wal() + "/.wal-e/pushing/" + seg(2));
  wal_push_ahead_worker(store, pg.wal(), {seg(2)}, {codec::Codec::Zstd, 2});
  EXPECT_FALSE(memory.stat("wal_005/" + seg(2) + ".zst"));
}

// A claim outlives a process killed while it held it (SIGKILL, OOM killer):
// the claim names its process, and a call does not wait for one that is gone
// (it waited kClaimWait, 10 s, per such segment until the claim was 60 s old).
TEST(WalPushAhead, AClaimOfAProcessThatIsGoneIsNotWaitedFor) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  std::string second = pg.add(seg(2), true);
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // its pid now names no process
  std::string claim = pg.wal() + "/.wal-e/pushing/" + seg(1);
  fs::create_directories(claim);
  std::ofstream(claim + "/owner") << child << "\n";
  store::MemoryStore store;
  auto call = std::async(std::launch::async, [&] {
    return wal_push_with_ahead(store, first, {codec::Codec::Zstd, 2});
  });
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "the call waited for the claim of a process that is gone";
  EXPECT_EQ(call.get().result, WalPushResult::Stored);
  EXPECT_FALSE(fs::exists(claim));

  // The claim of a live process is still waited for.
  std::string held = pg.wal() + "/.wal-e/pushing/" + seg(2);
  fs::create_directories(held);
  std::ofstream(held + "/owner") << ::getpid() << "\n";
  auto waiting = std::async(std::launch::async, [&] {
    return wal_push_with_ahead(store, second, {codec::Codec::Zstd, 2});
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "did not wait for a live process's claim";
  fs::remove_all(held);
  EXPECT_EQ(waiting.get().result, WalPushResult::Stored);
}

TEST(WalPushAhead, ACallWaitsForTheClaimingWorkerAndReturnsWhenItIsDone) {
  PgWalDir pg;
  std::string first = pg.add(seg(1), true);
  std::string second = pg.add(seg(2), true);
  store::MemoryStore store;
  push(store, first, {codec::Codec::Zstd, 2});  // the worker stored segment 2 and left its marker
  std::string claim = pg.wal() + "/.wal-e/pushing/" + seg(2);
  fs::create_directories(claim);  // as if the worker were still on it
  auto call = std::async(std::launch::async, [&] {
    return wal_push_with_ahead(store, second, {codec::Codec::Zstd, 2});
  });
  EXPECT_EQ(call.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout) << "did not wait for the claim";
  fs::remove(claim);
  auto r = call.get();
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_NE(r.confirmed, MarkerConfirmation::None);
}

TEST(WalPrefetch, FetchesAheadAndPromotesByRename) {
  PgWalDir primary;
  store::MemoryStore store;
  for (int i = 1; i <= 5; ++i) push(store, primary.add(seg(i), false, static_cast<char>('a' + i)), {});
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  auto r = wal_fetch_with_prefetch(store, seg(1), pg_wal + "/RECOVERYXLOG", codec::Codec::Zstd, 3);
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(r.from_prefetch);
  EXPECT_EQ(r.plan.missing, (std::vector<std::string>{seg(2), seg(3), seg(4)}));
  wal_prefetch(store, r.plan.base, r.plan.missing, codec::Codec::Zstd, 2);
  EXPECT_TRUE(fs::exists(r.plan.base + "/" + seg(2)));
  // A stale file from another timeline and a partial temporary are never used and get cleaned.
  std::ofstream(r.plan.base + "/000000020000000000000009") << "other timeline";
  auto r2 = wal_fetch_with_prefetch(store, seg(2), pg_wal + "/RECOVERYXLOG", codec::Codec::Zstd, 3);
  ASSERT_TRUE(r2.found);
  EXPECT_TRUE(r2.from_prefetch);
  std::ifstream in(pg_wal + "/RECOVERYXLOG", std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, std::string(70000, 'c') + seg(2));
  EXPECT_FALSE(fs::exists(r.plan.base + "/000000020000000000000009"));
  EXPECT_FALSE(fs::exists(r.plan.base + "/" + seg(2)));
  // 3 and 4 are there already: one missing of three is not worth a new process yet.
  EXPECT_TRUE(r2.plan.missing.empty());
  auto r3 = wal_fetch_with_prefetch(store, seg(3), pg_wal + "/RECOVERYXLOG", codec::Codec::Zstd, 3);
  EXPECT_TRUE(r3.from_prefetch);
  EXPECT_EQ(r3.plan.missing, (std::vector<std::string>{seg(5), seg(6)}));  // half the window: refill
}

TEST(WalPrefetch, MissingSegmentsAreSkippedAndNothingPartialAppears) {
  store::MemoryStore store;
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  wal_prefetch(store, base, {seg(7), seg(8)}, codec::Codec::Zstd, 2);
  EXPECT_FALSE(fs::exists(base + "/" + seg(7)));
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(base + "/running")) ++n;
  EXPECT_EQ(n, 0u);
}

TEST(WalPushAhead, AWorkerWaitingForTheLockStopsWhenAskedTo) {
  PgWalDir pg;
  pg.add(seg(2), true);
  fs::create_directories(pg.wal() + "/.wal-e");
  int fd = ::open((pg.wal() + "/.wal-e/push-ahead.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another worker runs (and does not finish)
  store::MemoryStore store;
  process_stop_token().reset();
  auto second = std::async(std::launch::async, [&] {
    wal_push_ahead_worker(store, pg.wal(), {seg(2)}, {codec::Codec::Zstd, 2});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  process_stop_token().request(SIGTERM);  // e.g. the wal-push-server it runs in is stopped
  bool returned = second.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  ::close(fd);  // lets a blocked worker go on, so that the test ends either way
  second.wait();
  process_stop_token().reset();
  EXPECT_TRUE(returned) << "the worker kept waiting for the other worker's lock after a stop request";
  EXPECT_FALSE(store.stat("wal_005/" + seg(2) + ".zst"));
}

// Pushes segments 1..n (distinct content) into `store` as a primary would.
void archive_segments(store::ObjectStore& store, int n) {
  PgWalDir primary;
  for (int i = 1; i <= n; ++i) push(store, primary.add(seg(i), false, static_cast<char>('a' + i % 20)), {});
}

// Waits (bounded) for `path` to appear.
bool appears(const std::string& path) {
  for (int i = 0; i < 2000 && !fs::exists(path); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return fs::exists(path);
}

TEST(WalPrefetch, APrefetcherKeepsItsWindowFullWhileSegmentsAreTaken) {
  store::MemoryStore store;
  archive_segments(store, 14);
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  // One process for the whole recovery instead of one per half window: handed the
  // window 2..4, it fetches 5, 6, ... as wal-fetch takes 2, 3, ... away.
  std::thread prefetcher([&] {
    wal_prefetch(store, base, {seg(2), seg(3), seg(4)}, codec::Codec::Zstd, 2, std::chrono::seconds(2));
  });
  for (int i = 2; i <= 12; ++i) {
    std::string file = base + "/" + seg(i);
    if (!appears(file)) {
      ADD_FAILURE() << seg(i) << " was not prefetched";
      break;
    }
    fs::rename(file, restore.path() + "/RECOVERYXLOG");
  }
  prefetcher.join();                                                                 // nothing taken for 2 s: it exits
  for (int i = 13; i <= 14; ++i) EXPECT_TRUE(fs::exists(base + "/" + seg(i))) << i;  // the window, full
  EXPECT_FALSE(fs::exists(base + "/" + seg(15)));                                    // beyond it: nothing
}

// A lingering prefetcher whose spool is removed (the restore's directory
// deleted under it) must end. It used to read the failed claim as "someone
// else is fetching it", count the file as taken at once and move to the next
// segment name, spinning on both cores with no end.
TEST(WalPrefetch, APrefetcherWhoseSpoolIsRemovedStops) {
  store::MemoryStore store;
  archive_segments(store, 6);
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  auto done = std::async(std::launch::async, [&] {
    wal_prefetch(store, base, {seg(2), seg(3)}, codec::Codec::Zstd, 2, std::chrono::seconds(5));
  });
  ASSERT_TRUE(appears(base + "/" + seg(3)));
  ASSERT_TRUE(appears(base + "/" + seg(2)));
  fs::remove_all(base);
  bool ended = done.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  if (!ended) process_stop_token().request(SIGTERM);  // end the runaway loop so that the test can finish
  done.wait();
  process_stop_token().reset();
  EXPECT_TRUE(ended) << "the prefetcher kept going after its spool was removed";
  EXPECT_FALSE(fs::exists(base)) << "nothing recreated";
}

// A store of `n` archived segments whose GET of segment 2 blocks until release():
// one slow download.
struct SegmentTwoHeld {
  store::MemoryStore memory;
  test::FaultInjectingStore store{memory};
  std::mutex mu;  // guards released
  std::condition_variable cv;
  bool released = false;
  explicit SegmentTwoHeld(int n) {
    archive_segments(memory, n);
    store.on_get = [this](const std::string& key) {
      if (key.find(seg(2)) == std::string::npos) return;
      std::unique_lock lock(mu);
      cv.wait(lock, [this] { return released; });
    };
  }
  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

// SIGTERM while the prefetcher starts a download: the task group queues no
// task after a stop request, and the scheduler counted that download as in
// flight for ever, polling every 100 ms with no end (seen: a prefetcher left
// running for an hour after an integration test's cleanup signalled it).
TEST(WalPrefetch, APrefetcherStopsOnSigtermWhileItWouldStartADownload) {
  SegmentTwoHeld held(8);
  auto& store = held.store;
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  process_stop_token().reset();
  auto done = std::async(std::launch::async, [&] {
    try {
      wal_prefetch(store, base, {seg(2), seg(3), seg(4)}, codec::Codec::Zstd, 2, std::chrono::seconds(5));
    } catch (const Error&) {
      // Cancelled: what a stopped prefetcher reports
    }
  });
  ASSERT_TRUE(appears(base + "/" + seg(3)));  // seg 2 hangs in its download, seg 3 is done
  ASSERT_TRUE(appears(base + "/" + seg(4)));
  process_stop_token().request(SIGTERM);
  fs::rename(base + "/" + seg(3), restore.path() + "/RECOVERYXLOG");  // room in the window: it would start seg 5
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  held.release();
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: the prefetcher never ended after SIGTERM\n");
    std::_Exit(1);  // its loop has no end: the test cannot join it
  }
  process_stop_token().reset();
}

// The prefetcher is a pipeline: while one download is slow, the other worker
// goes on with the rest of the window as wal-fetch takes files away. In
// batches, segment 5 waited for the slowest of 2..4.
TEST(WalPrefetch, ASlowDownloadDoesNotHoldUpTheRestOfTheWindow) {
  SegmentTwoHeld held(8);
  auto& store = held.store;
  auto release = [&] { held.release(); };
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  std::thread prefetcher([&] {
    wal_prefetch(store, base, {seg(2), seg(3), seg(4)}, codec::Codec::Zstd, 2, std::chrono::milliseconds(500));
  });
  bool others = appears(base + "/" + seg(3)) && appears(base + "/" + seg(4));
  if (others) {
    fs::rename(base + "/" + seg(3), restore.path() + "/RECOVERYXLOG");
    fs::rename(base + "/" + seg(4), restore.path() + "/RECOVERYXLOG");
  }
  bool fifth = others && appears(base + "/" + seg(5));
  bool second_waiting = !fs::exists(base + "/" + seg(2));
  release();
  prefetcher.join();
  EXPECT_TRUE(others);
  EXPECT_TRUE(second_waiting);
  EXPECT_TRUE(fifth) << "segment 5 waited for the slow download of segment 2";
  EXPECT_TRUE(fs::exists(base + "/" + seg(2)));
}

// A prefetcher killed mid-download leaves its claim and a hidden partial
// temporary. The next wal-fetch of that segment neither uses the partial file
// nor waits for the dead claim (it used to wait 10 s): it fetches in-band.
TEST(WalPrefetch, AClaimLeftByAKilledPrefetcherIsNotWaitedForNorItsPartialFileUsed) {
  store::MemoryStore store;
  archive_segments(store, 3);
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  std::string dest = pg_wal + "/RECOVERYXLOG";
  std::string base = prefetch_dir_for(dest, store);
  fs::create_directories(base + "/running/" + seg(2));
  std::ofstream(base + "/." + seg(2) + ".tmp.4242.1", std::ios::binary) << std::string(1000, 'c');
  auto call = std::async(std::launch::async,
                         [&] { return wal_fetch_with_prefetch(store, seg(2), dest, codec::Codec::Zstd, 3); });
  bool prompt = call.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  auto r = call.get();
  EXPECT_TRUE(prompt) << "wal-fetch waited for the claim of a prefetcher that is gone";
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(r.from_prefetch);
  std::ifstream in(dest, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, std::string(70000, 'c') + seg(2));
}

// Claims are made under the prefetcher's lock, so a new prefetcher takes over
// the claims a killed one left: it used to skip those segments.
TEST(WalPrefetch, ANewPrefetcherTakesOverTheClaimsOfAKilledOne) {
  store::MemoryStore store;
  archive_segments(store, 4);
  test::TempDir restore;
  std::string base = restore.path() + "/prefetch";
  fs::create_directories(base + "/running/" + seg(2));
  wal_prefetch(store, base, {seg(2), seg(3)}, codec::Codec::Zstd, 2);
  EXPECT_TRUE(fs::exists(base + "/" + seg(2)));
  EXPECT_TRUE(fs::exists(base + "/" + seg(3)));
  EXPECT_FALSE(fs::exists(base + "/running/" + seg(2)));
}

// A download that fails mid-way (here: the object cut short) leaves nothing
// under the segment's name; wal-fetch then restores it in-band, complete.
TEST(WalPrefetch, AFailedDownloadLeavesNothingThatWalFetchWouldUse) {
  store::MemoryStore memory;
  archive_segments(memory, 3);
  test::FaultInjectingStore store(memory);
  store.truncate_reads("*" + seg(2) + "*", 12);  // every get, until clear_faults()
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  std::string dest = pg_wal + "/RECOVERYXLOG";
  std::string base = prefetch_dir_for(dest, store);
  wal_prefetch(store, base, {seg(2)}, codec::Codec::Zstd, 1);
  EXPECT_GE(store.faults_fired(), 1u);
  EXPECT_FALSE(fs::exists(base + "/" + seg(2)));
  EXPECT_TRUE(fs::is_empty(base + "/running"));
  store.clear_faults();
  auto r = wal_fetch_with_prefetch(store, seg(2), dest, codec::Codec::Zstd, 3);
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(r.from_prefetch);
  std::ifstream in(dest, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, std::string(70000, 'c') + seg(2));
}

// Spooled files are not fsynced: after a machine crash one may be empty or
// hold zeroed blocks under its segment's name (zeroes read as the end of WAL
// would end recovery). The spool is per boot, so files spooled before a
// reboot (or by a wal-e with one "prefetch" directory) are never used, and
// are removed.
TEST(WalPrefetch, ASpoolFromAnotherBootIsNeverUsed) {
  store::MemoryStore store;
  archive_segments(store, 3);
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  std::string dest = pg_wal + "/RECOVERYXLOG";
  std::string base = prefetch_dir_for(dest, store);
  ASSERT_FALSE(base.empty());
  std::string spool = fs::path(base).parent_path().string();
  EXPECT_EQ(spool, fs::canonical(restore.path()).string() + "/pg_wal/.wal-e");
  std::string boot_name = fs::path(base).filename().string();
  EXPECT_EQ(boot_name.rfind("prefetch-", 0), 0u) << boot_name;
  for (std::string old : {"prefetch", "prefetch-0f0e0d0c-0b0a-0908-0706-050403020100"}) {
    fs::create_directories(spool + "/" + old + "/running");
    std::ofstream(spool + "/" + old + "/" + seg(2), std::ios::binary) << std::string(70000, '\0') << seg(2);
    std::ofstream(spool + "/" + old + ".lock");
  }
  auto r = wal_fetch_with_prefetch(store, seg(2), dest, codec::Codec::Zstd, 3);
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(r.from_prefetch) << "a file spooled before the reboot was used";
  std::ifstream in(dest, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, std::string(70000, 'c') + seg(2));
  std::vector<std::string> left;
  for (auto& e : fs::directory_iterator(spool)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{boot_name}) << "the other boots' spools are removed";
}

// Two archives can hold different segments under one name: a cluster
// restored and promoted twice, each copy archiving to its own prefix, writes
// timeline 2 into both. A segment prefetched while restore_command read one
// archive must not be handed out once it reads the other (the operator
// corrects the prefix and restarts recovery): the spool is per archive. It
// was per boot only, and the other archive's copy was promoted.
TEST(WalPrefetch, ASpoolFilledFromAnotherArchiveIsNeverUsed) {
  test::TempDir archives;
  fs::create_directories(archives.path() + "/a");
  fs::create_directories(archives.path() + "/b");
  store::LocalStore a(archives.path() + "/a");
  store::LocalStore b(archives.path() + "/b");
  PgWalDir first, second;
  for (int i = 1; i <= 4; ++i) {
    push(a, first.add(seg(i), false, 'a'), {});
    push(b, second.add(seg(i), false, 'b'), {});
  }
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  std::string dest = pg_wal + "/RECOVERYXLOG";
  auto r = wal_fetch_with_prefetch(a, seg(1), dest, codec::Codec::Zstd, 3);
  ASSERT_TRUE(r.found);
  wal_prefetch(a, r.plan.base, r.plan.missing, codec::Codec::Zstd, 2);
  ASSERT_TRUE(fs::exists(r.plan.base + "/" + seg(2)));

  auto r2 = wal_fetch_with_prefetch(b, seg(2), dest, codec::Codec::Zstd, 3);
  ASSERT_TRUE(r2.found);
  EXPECT_FALSE(r2.from_prefetch) << "a segment prefetched from another archive was used";
  std::ifstream in(dest, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(got == std::string(70000, 'b') + seg(2))
      << "the restored segment is not the archive's (it starts with '" << got.substr(0, 1) << "')";
  EXPECT_FALSE(fs::exists(r.plan.base)) << "the other archive's spool is left";
}

TEST(WalPrefetch, AnInBandFetchStartsThePrefetcherBeforeItsOwnDownload) {
  store::MemoryStore store;
  archive_segments(store, 5);
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  std::string dest = pg_wal + "/RECOVERYXLOG";
  bool dest_was_there = true;
  std::vector<std::string> window;
  auto r = wal_fetch_with_prefetch(store, seg(1), dest, codec::Codec::Zstd, 3, [&](const PrefetchPlan& plan) {
    dest_was_there = fs::exists(dest);
    window = plan.window;
  });
  ASSERT_TRUE(r.found);
  EXPECT_FALSE(dest_was_there) << "the prefetcher was started only after the in-band download";
  EXPECT_EQ(window, (std::vector<std::string>{seg(2), seg(3), seg(4)}));
}

TEST(WalPrefetch, ASegmentNotArchivedYetStartsNoPrefetcher) {
  store::MemoryStore store;
  archive_segments(store, 3);
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal);
  int started = 0;
  // A standby polls for the segment after the archive's last one every few seconds.
  auto r = wal_fetch_with_prefetch(store, seg(4), pg_wal + "/RECOVERYXLOG", codec::Codec::Zstd, 3,
                                   [&](const PrefetchPlan&) { ++started; });
  EXPECT_FALSE(r.found);
  EXPECT_EQ(started, 0) << "a prefetcher was started for a segment the archive lacks";
}

TEST(WalPrefetch, NoSecondPrefetcherWhileOneRuns) {
  store::MemoryStore store;
  archive_segments(store, 5);
  test::TempDir restore;
  std::string pg_wal = restore.path() + "/pg_wal";
  fs::create_directories(pg_wal + "/.wal-e");
  std::string base = prefetch_dir_for(pg_wal + "/RECOVERYXLOG", store);
  int fd = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);  // a running prefetcher
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  int started = 0;
  auto r = wal_fetch_with_prefetch(store, seg(1), pg_wal + "/RECOVERYXLOG", codec::Codec::Zstd, 3,
                                   [&](const PrefetchPlan&) { ++started; });
  EXPECT_TRUE(r.found);
  EXPECT_EQ(started, 0);
  EXPECT_TRUE(r.plan.missing.empty());
  wal_prefetch(store, base, {seg(2)}, codec::Codec::Zstd, 2);  // a second one leaves at once
  EXPECT_FALSE(fs::exists(base + "/" + seg(2)));
  ::close(fd);
}

}  // namespace
}  // namespace wale::archive
