// The process StopToken (set by SIGINT/SIGTERM/SIGHUP) and what observes it:
// TaskGroup, io::copy into an AtomicFileSink, sleeps; and the sweep of
// temporaries that killed processes left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/error.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "store/local/local_store.h"
#include "test_support/temp_dir.h"

namespace wale {
namespace {

namespace fs = std::filesystem;

class StopTokenTest : public ::testing::Test {
 protected:
  void SetUp() override { process_stop_token().reset(); }
  void TearDown() override { process_stop_token().reset(); }
};

TEST_F(StopTokenTest, KeepsTheFirstSignalAndThrowsCancelled) {
  EXPECT_FALSE(stop_requested());
  EXPECT_NO_THROW(throw_if_stopped());
  process_stop_token().request(SIGTERM);
  process_stop_token().request(SIGINT);
  EXPECT_TRUE(stop_requested());
  EXPECT_EQ(process_stop_token().signal(), SIGTERM);
  try {
    throw_if_stopped();
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
    EXPECT_EQ(e.message(), "interrupted by SIGTERM");
  }
  EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
}

TEST_F(StopTokenTest, RealClockSleepWakesOnStop) {
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    process_stop_token().request(SIGINT);
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(system_clock()->sleep_for(std::chrono::seconds(30)), Error);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST_F(StopTokenTest, TaskGroupSkipsQueuedTasksAndWaitThrows) {
  std::atomic<int> started{0};
  std::atomic<bool> polled_stop{false};
  exec::TaskGroup group(2);
  for (int i = 0; i < 2; ++i) {
    group.run([&] {
      ++started;
      // A running task polls and returns once stop is requested.
      for (int n = 0; n < 500 && !group.cancelled(); ++n) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      polled_stop = group.cancelled();
    });
  }
  while (started.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 2; ++i) group.run([&] { ++started; });  // queued behind the two running ones
  process_stop_token().request(SIGTERM);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) group.run([&] { ++started; });  // refused at once
  try {
    group.wait();
    ADD_FAILURE() << "wait() ignored the stop request";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(started.load(), 2) << "queued tasks ran after the stop request";
  EXPECT_TRUE(polled_stop.load());
}

// Endless-ish source that requests a stop after `after` reads.
class StoppingSource final : public io::ByteSource {
 public:
  explicit StoppingSource(int after) : after_(after) {}
  std::size_t read(std::span<std::byte> out) override {
    if (++reads_ == after_) process_stop_token().request(SIGTERM);
    if (reads_ > 1000) return 0;
    std::memset(out.data(), 'w', out.size());
    return out.size();
  }
  int reads() const { return reads_; }

 private:
  int after_;
  int reads_ = 0;
};

TEST_F(StopTokenTest, CopyIntoAtomicFileSinkStopsAndLeavesNoTempFile) {
  test::TempDir dir;
  std::string path = dir.path() + "/000000010000000000000001";
  StoppingSource source(3);
  try {
    io::AtomicFileSink sink(path);
    io::copy(source, sink, 64 * 1024);
    sink.finish();
    ADD_FAILURE() << "copy ignored the stop request";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
  EXPECT_LE(source.reads(), 4);
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a temporary file or the target was left behind";
}

void age(const std::string& path, std::chrono::seconds by) {
  struct timespec t[2];
  ::clock_gettime(CLOCK_REALTIME, &t[0]);
  t[0].tv_sec -= by.count();
  t[1] = t[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, 0), 0) << path;
}

void touch(const std::string& path) { std::ofstream(path) << "partial"; }

// A pid that surely is not running: a child that has exited and been reaped.
long dead_pid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(StaleTemps, RemovesTemporariesOfDeadOrLongIdleProcessesOnly) {
  test::TempDir dir;
  const std::string d = dir.path();
  long dead = dead_pid();
  std::string me = std::to_string(::getpid());
  std::string dead_old = d + "/.000000010000000000000002.tmp." + std::to_string(dead) + ".0.0123abcd";
  std::string dead_fresh = d + "/.000000010000000000000003.tmp." + std::to_string(dead) + ".1.0123abce";
  std::string live_old = d + "/.000000010000000000000004.tmp." + me + ".2.0123abcf";
  std::string live_ancient = d + "/.000000010000000000000005.tmp." + me + ".3.0123abd0";
  std::string not_temp = d + "/.wal-e-swept";
  std::string object = d + "/000000010000000000000001.lz4";
  std::string odd = d + "/.x.tmp.notapid.0.0123abcd";
  for (const auto& p : {dead_old, dead_fresh, live_old, live_ancient, not_temp, object, odd}) touch(p);
  age(dead_old, std::chrono::minutes(2));
  age(live_old, std::chrono::minutes(30));
  age(live_ancient, std::chrono::hours(2));
  age(not_temp, std::chrono::hours(2));
  age(object, std::chrono::hours(2));
  age(odd, std::chrono::hours(2));

  EXPECT_EQ(io::remove_stale_temps(d), 2u);
  EXPECT_FALSE(fs::exists(dead_old));
  EXPECT_FALSE(fs::exists(live_ancient));
  EXPECT_TRUE(fs::exists(dead_fresh)) << "a dead process's fresh temp may belong to another host";
  EXPECT_TRUE(fs::exists(live_old)) << "a live process's temp idle for under an hour";
  EXPECT_TRUE(fs::exists(not_temp));
  EXPECT_TRUE(fs::exists(object));
  EXPECT_TRUE(fs::exists(odd));

  // Only the temporaries of one name (wal-fetch's %p) when a prefix is given.
  std::string other = d + "/.RECOVERYHISTORY.tmp." + std::to_string(dead) + ".4.0123abd1";
  std::string mine = d + "/.RECOVERYXLOG.tmp." + std::to_string(dead) + ".5.0123abd2";
  touch(other);
  touch(mine);
  age(other, std::chrono::hours(2));
  age(mine, std::chrono::hours(2));
  EXPECT_EQ(io::remove_stale_temps(d, "RECOVERYXLOG.tmp."), 1u);
  EXPECT_TRUE(fs::exists(other));
  EXPECT_FALSE(fs::exists(mine));
}

TEST(StaleTemps, LocalStoreSweepsItsTreeAndThrottlesWithAStamp) {
  test::TempDir dir;
  store::LocalStore store(dir.path());
  store::put_bytes(store, "wal_005/000000010000000000000001.lz4", "seg");
  store::put_bytes(store, "basebackups_005/base_1/tar_partitions/part_00000000.tar.lz4", "tar");
  long dead = dead_pid();
  std::string wal_temp =
      dir.path() + "/wal_005/.000000010000000000000002.lz4.tmp." + std::to_string(dead) + ".0.0000abcd";
  std::string part_temp = dir.path() + "/basebackups_005/base_1/tar_partitions/.part_00000001.tar.lz4.tmp." +
                          std::to_string(dead) + ".1.0000abce";
  touch(wal_temp);
  touch(part_temp);
  age(wal_temp, std::chrono::minutes(5));
  age(part_temp, std::chrono::minutes(5));

  EXPECT_EQ(store.remove_abandoned("wal_005/", std::chrono::hours(1)), 1u);
  EXPECT_FALSE(fs::exists(wal_temp));
  EXPECT_TRUE(fs::exists(part_temp)) << "outside the prefix";
  // Within the hour the stamp makes the next call skip the directory.
  touch(wal_temp);
  age(wal_temp, std::chrono::minutes(5));
  EXPECT_EQ(store.remove_abandoned("wal_005/", std::chrono::hours(1)), 0u);
  EXPECT_TRUE(fs::exists(wal_temp));
  // An unthrottled sweep of the whole archive (delete) finds both.
  EXPECT_EQ(store.remove_abandoned(""), 2u);
  EXPECT_FALSE(fs::exists(part_temp));
  // The stamp is hidden: never listed as an object.
  int objects = 0;
  store.list("", [&](const store::ObjectInfo&) { ++objects; });
  EXPECT_EQ(objects, 2);
}

}  // namespace
}  // namespace wale
