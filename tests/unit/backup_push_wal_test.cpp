// backup-push's check that every WAL segment of a backup is archived before
// its sentinel is written.
#include <gtest/gtest.h>

#include "archive/wal_archive.h"
#include "backup/backup_push.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "store/memory/memory_store.h"
#include "test_support/crashable_store.h"
#include "test_support/fake_clock.h"

namespace wale::backup {
namespace {

std::string seg(std::uint32_t tli, std::uint64_t segno) { return pg::WalSegment{tli, segno}.file_name(); }

void put(store::MemoryStore& s, const std::string& name, codec::Codec c = codec::Codec::Zstd) {
  store::put_bytes(s, layout::wal_key(name, c), "w");
}

// backup-push writes its sentinel only when every segment from its start to
// its stop is archived: a segment deleted meanwhile fails the backup.
TEST(BackupPushWal, EverySegmentFromStartToStopMustBeArchived) {
  store::MemoryStore s;
  for (std::uint64_t n = 0x10; n <= 0x14; ++n) {
    if (n != 0x12) put(s, seg(1, n));
  }
  put(s, seg(1, 0x12) + ".partial");
  put(s, seg(2, 0x12));
  archive::WalArchive archive(s);
  test::FakeClock clock;
  try {
    archive::wait_for_backup_wal(archive, pg::WalSegment{1, 0x10}, pg::WalSegment{1, 0x14}, std::chrono::seconds(60),
                                 clock);
    FAIL() << "a missing segment in the middle of the backup was not noticed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(e.message().find(seg(1, 0x12)), std::string::npos) << e.message();
  }
  EXPECT_GE(clock.slept(), std::chrono::seconds(60));
  EXPECT_LT(clock.slept(), std::chrono::seconds(62));
  // Under another codec it counts.
  put(s, seg(1, 0x12), codec::Codec::Lzop);
  EXPECT_NO_THROW(archive::wait_for_backup_wal(archive, pg::WalSegment{1, 0x10}, pg::WalSegment{1, 0x14},
                                               std::chrono::seconds(60), clock));
  // The stop segment missing fails too.
  EXPECT_THROW(archive::wait_for_backup_wal(archive, pg::WalSegment{1, 0x10}, pg::WalSegment{1, 0x15},
                                            std::chrono::seconds(1), clock),
               Error);
}

// The sentinel vouches for the backup's WAL: segments that a pusher published
// but was killed before syncing are made durable before it is written.
TEST(BackupPushWal, TheBackupsSegmentsAreMadeDurableBeforeTheSentinel) {
  test::CrashableStore s;
  for (std::uint64_t n = 0x20; n <= 0x22; ++n) {
    store::put_bytes(s, layout::wal_key(seg(1, n), codec::Codec::Lz4), "w");
    s.leave_unsynced(layout::wal_key(seg(1, n), codec::Codec::Lz4));
  }
  store::put_bytes(s, layout::wal_key(seg(1, 0x23), codec::Codec::Lz4), "w");  // after the stop segment
  s.leave_unsynced(layout::wal_key(seg(1, 0x23), codec::Codec::Lz4));
  archive::WalArchive archive(s);
  test::FakeClock clock;
  ASSERT_NO_THROW(archive::wait_for_backup_wal(archive, pg::WalSegment{1, 0x20}, pg::WalSegment{1, 0x22},
                                               std::chrono::seconds(60), clock));
  s.crash();
  for (std::uint64_t n = 0x20; n <= 0x22; ++n) {
    EXPECT_TRUE(s.stat(layout::wal_key(seg(1, n), codec::Codec::Lz4))) << "a crash lost " << seg(1, n);
  }
  EXPECT_FALSE(s.stat(layout::wal_key(seg(1, 0x23), codec::Codec::Lz4))) << "synced beyond the backup's range";
}

}  // namespace
}  // namespace wale::backup
