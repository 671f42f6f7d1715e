// Push-ahead never stores the wrong content: markers are trusted by content
// hash, or by an identity (with ctime) of a file that had settled before it
// was read and has not changed since; and the worker never publishes a
// segment PostgreSQL may have archived and recycled while it was being read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/wal_push_ahead.h"
#include "core/error.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

std::string seg(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0000000100000000000000%02X", n);
  return buf;
}

class PgWal {
 public:
  PgWal() : wal_(dir_.path() + "/pg_wal") { fs::create_directories(wal_ + "/archive_status"); }
  std::string add(int n, char fill = 'w') {
    std::string name = seg(n);
    write_file(wal_ + "/" + name, std::string(70000, fill) + name);
    std::ofstream(wal_ + "/archive_status/" + name + ".ready");
    return wal_ + "/" + name;
  }
  std::string path(int n) const { return wal_ + "/" + seg(n); }
  const std::string& wal() const { return wal_; }

 private:
  test::TempDir dir_;
  std::string wal_;
};

TEST(WalPushAheadMarker, SameSizeInodeAndMtimeButDifferentContentIsNotTrusted) {
  PgWal pg;
  pg.add(1);
  pg.add(2);
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4};
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  ASSERT_TRUE(store.stat("wal_005/" + seg(2) + ".zst"));
  ASSERT_TRUE(fs::exists(pg.wal() + "/.wal-e/pushed/" + seg(2)));

  // Rewrite the file in place: same inode, same size, same mtime, other bytes.
  struct stat before {};
  ASSERT_EQ(::stat(pg.path(2).c_str(), &before), 0);
  {
    std::fstream f(pg.path(2), std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(70000, 'x');
  }
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, pg.path(2).c_str(), times, 0), 0);
  struct stat after {};
  ASSERT_EQ(::stat(pg.path(2).c_str(), &after), 0);
  ASSERT_EQ(after.st_ino, before.st_ino);
  ASSERT_EQ(after.st_size, before.st_size);

  try {
    wal_push_with_ahead(store, pg.path(2), opts);
    FAIL() << "a marker matching only size, inode and mtime was trusted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
  }
}

TEST(WalPushAheadMarker, MatchingContentIsTrustedWithoutAnotherUpload) {
  PgWal pg;
  pg.add(1);
  pg.add(2);
  store::MemoryStore base;
  test::FaultInjectingStore store(base);
  PushAheadOptions opts{codec::Codec::Zstd, 4};
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  int puts = 0;
  store.on_put = [&](const std::string&) { ++puts; };
  EXPECT_EQ(wal_push_with_ahead(store, pg.path(2), opts).result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(puts, 0);
}

// Push-ahead of seg(2) by the worker; `opts` decides how long a file must have settled.
void push_ahead_of_two(PgWal& pg, store::ObjectStore& store, const PushAheadOptions& opts) {
  pg.add(1);
  pg.add(2);
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  ASSERT_TRUE(store.stat("wal_005/" + seg(2) + ".zst"));
}

// Waits until the file system's clock (coarse, a few ms per tick) has moved
// on, so that the next change of a file gets a newer ctime.
void let_the_clock_tick() { std::this_thread::sleep_for(std::chrono::milliseconds(30)); }

TEST(WalPushAheadMarker, SettledUnchangedFileIsConfirmedByIdentityWithoutReadingIt) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4, std::chrono::milliseconds(0)};
  push_ahead_of_two(pg, store, opts);
  auto r = wal_push_with_ahead(store, pg.path(2), opts);
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(r.confirmed, MarkerConfirmation::Identity);
}

// A file changed moments before its push (the benchmark chowns every segment just before its
// loop) is confirmed without reading it once the file system's clock has ticked since the
// change: a later change could not get the same ctime. The system-clock rule alone (settled_age,
// a second by default) would hash it.
TEST(WalPushAheadMarker, AFileChangedBeforeTheFileSystemClockTickedIsConfirmedByIdentity) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4};  // settled_age: the default second
  pg.add(1);
  pg.add(2);
  let_the_clock_tick();
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  ASSERT_TRUE(store.stat("wal_005/" + seg(2) + ".zst"));
  r = wal_push_with_ahead(store, pg.path(2), opts);
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(r.confirmed, MarkerConfirmation::Identity);
  struct stat probe {};
  ASSERT_EQ(::stat((pg.wal() + "/.wal-e/clock").c_str(), &probe), 0);
  EXPECT_TRUE(S_ISREG(probe.st_mode));
}

// Read in the same tick of the file system's clock as the file's last change: a change right
// after the read could keep that ctime, so the marker is confirmed by content.
TEST(WalPushAheadMarker, AFileReadInTheTickOfItsLastChangeIsConfirmedByContent) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4, std::chrono::milliseconds(0)};
  opts.fs_clock = [&pg](const std::string&, std::uint64_t) -> std::optional<std::int64_t> {
    struct stat st {};  // the clock still shows the newest segment's ctime
    if (::stat(pg.path(2).c_str(), &st) != 0) return std::nullopt;
    return std::int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  };
  push_ahead_of_two(pg, store, opts);
  auto r = wal_push_with_ahead(store, pg.path(2), opts);
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(r.confirmed, MarkerConfirmation::ContentHash);
}

// Without the probe (here: its path is taken by a directory) only settled_age by the system
// clock counts: a file written just now had not settled for a second.
TEST(WalPushAheadMarker, WithoutTheClockProbeAFileThatHadNotSettledIsConfirmedByContent) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4};
  fs::create_directories(pg.wal() + "/.wal-e/clock");
  pg.add(1);
  pg.add(2);
  let_the_clock_tick();
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  r = wal_push_with_ahead(store, pg.path(2), opts);
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(r.confirmed, MarkerConfirmation::ContentHash);
}

TEST(WalPushAheadMarker, ANewCtimeFallsBackToTheContent) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4, std::chrono::milliseconds(0)};
  push_ahead_of_two(pg, store, opts);
  let_the_clock_tick();
  ASSERT_EQ(::chmod(pg.path(2).c_str(), 0640), 0);  // same bytes, new ctime
  auto r = wal_push_with_ahead(store, pg.path(2), opts);
  EXPECT_EQ(r.result, WalPushResult::AlreadyArchived);
  EXPECT_EQ(r.confirmed, MarkerConfirmation::ContentHash);
}

TEST(WalPushAheadMarker, RewriteInPlaceWithMtimeRestoredIsNotTrustedByIdentity) {
  PgWal pg;
  store::MemoryStore store;
  PushAheadOptions opts{codec::Codec::Zstd, 4, std::chrono::milliseconds(0)};
  push_ahead_of_two(pg, store, opts);
  let_the_clock_tick();
  struct stat before {};
  ASSERT_EQ(::stat(pg.path(2).c_str(), &before), 0);
  {
    std::fstream f(pg.path(2), std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(70000, 'x');
  }
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, pg.path(2).c_str(), times, 0), 0);
  try {
    wal_push_with_ahead(store, pg.path(2), opts);
    FAIL() << "a marker was trusted for a file rewritten after its push";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
  }
}

TEST(WalPushAheadWorker, TheNextSegmentIsCompressedWhileThePreviousOneIsPublished) {
  PgWal pg;
  pg.add(2);
  pg.add(3);
  store::MemoryStore base;
  test::FaultInjectingStore store(base);
  std::mutex mu;
  std::condition_variable cv;
  bool third_started = false;
  bool overlapped = false;
  store.on_put = [&](const std::string& key) {
    if (key != "wal_005/" + seg(3) + ".zst") return;
    std::lock_guard lock(mu);
    third_started = true;
    cv.notify_all();
  };
  // Publishing seg(2) (its fsync and rename, in the local store) lasts until seg(3) has
  // started -- or 10 s: with one thread per slot, seg(3) waits for seg(2) to be published.
  store.after_finish = [&](const std::string& key) {
    if (key != "wal_005/" + seg(2) + ".zst") return;
    std::unique_lock lock(mu);
    overlapped = cv.wait_for(lock, std::chrono::seconds(10), [&] { return third_started; });
  };
  wal_push_ahead_worker(store, pg.wal(), {seg(2), seg(3)}, {codec::Codec::Zstd, 1});
  EXPECT_TRUE(overlapped) << "one compression slot, yet nothing was compressed while a segment was published";
  EXPECT_TRUE(base.stat("wal_005/" + seg(2) + ".zst"));
  EXPECT_TRUE(base.stat("wal_005/" + seg(3) + ".zst"));
}

// The worker reads seg(2); while it is between reading and publishing, `recycle` runs.
void expect_not_published_when(const std::function<void(PgWal&)>& recycle) {
  PgWal pg;
  pg.add(1);
  pg.add(2);
  pg.add(3);
  store::MemoryStore base;
  test::FaultInjectingStore store(base);
  PushAheadOptions opts{codec::Codec::None, 4};
  auto r = wal_push_with_ahead(store, pg.path(1), opts);
  ASSERT_EQ(r.ahead, (std::vector<std::string>{seg(2), seg(3)}));
  bool done = false;
  store.on_write = [&](const std::string& key) {
    if (key == "wal_005/" + seg(2) && !done) {
      done = true;
      recycle(pg);
    }
  };
  wal_push_ahead_worker(store, pg.wal(), r.ahead, opts);
  EXPECT_TRUE(done);
  EXPECT_FALSE(base.stat("wal_005/" + seg(2))) << "published a segment PostgreSQL may have recycled";
  EXPECT_TRUE(base.stat("wal_005/" + seg(3)));
  EXPECT_FALSE(fs::exists(pg.wal() + "/.wal-e/pushed/" + seg(2)));
}

TEST(WalPushAheadRecycle, ArchivedAndRecycledWhileReadIsNotPublished) {
  expect_not_published_when([](PgWal& pg) {
    // What PostgreSQL does: archive_command succeeded (.ready -> .done), then a checkpoint
    // renames the segment to a future name and new WAL overwrites it.
    fs::rename(pg.wal() + "/archive_status/" + seg(2) + ".ready", pg.wal() + "/archive_status/" + seg(2) + ".done");
    fs::rename(pg.path(2), pg.path(9));
    std::fstream f(pg.path(9), std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(70000, 'n');
  });
}

TEST(WalPushAheadRecycle, FileReplacedWhileReadIsNotPublished) {
  expect_not_published_when([](PgWal& pg) {
    write_file(pg.path(2) + ".new", std::string(70000, 'r') + seg(2));
    fs::rename(pg.path(2) + ".new", pg.path(2));
  });
}

}  // namespace
}  // namespace wale::archive
