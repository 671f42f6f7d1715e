// io::DirWatch: the one inotify wait of push-ahead claims, wal-fetch's wait
// for the prefetcher and the prefetcher's scheduler. Its waking is covered
// by WalPushAhead.ACallWaitsForTheClaimingWorkerAndReturnsWhenItIsDone and the
// WalPrefetch tests; here: the fallback when a watch cannot be set.
#include <gtest/gtest.h>
#include <sys/inotify.h>

#include "io/dir_watch.h"
#include "test_support/temp_dir.h"

namespace wale::io {
namespace {

TEST(DirWatch, WatchesADirectoryAndTurnsOffForOneThatCannotBeWatched) {
  test::TempDir dir;
  DirWatch ok;
  ok.add(dir.path(), IN_CREATE);
  EXPECT_TRUE(ok.active());
  DirWatch missing;
  missing.add(dir.path() + "/absent", IN_CREATE);
  EXPECT_FALSE(missing.active()) << "a watch that cannot be set must fall back to short sleeps";
  missing.wait(std::chrono::milliseconds(50));  // still returns (a short sleep)
}

}  // namespace
}  // namespace wale::io
