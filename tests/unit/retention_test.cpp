#include <gtest/gtest.h>

#include <algorithm>

#include "catalog/retention.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "pg/lsn.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"

namespace wale::catalog {
namespace {

using namespace std::chrono;
const auto kNow = system_clock::time_point(hours(24 * 365 * 50));

struct Archive {
  store::MemoryStore s;
  // A finished backup of ours starting at segment `seg` (TLI tli), finished at minute `minute`.
  // `stop_seg`: the segment it became consistent in (default: its start).
  std::string add_backup(int tli, int seg, int minute, bool walE_offline = false, int stop_seg = -1) {
    char segname[32];
    std::snprintf(segname, sizeof segname, "%08X00000000%08X", tli, seg);
    auto name = layout::BackupName::from_start(segname, 40);
    layout::Sentinel sentinel;
    sentinel.wal_segment_backup_stop = walE_offline ? std::string(segname) : "stop";
    if (!walE_offline) sentinel.format = "wal-e-cpp/1";
    if (stop_seg >= 0) {
      char stopname[32];
      std::snprintf(stopname, sizeof stopname, "%08X00000000%08X", tli, stop_seg);
      sentinel.wal_segment_backup_stop = stopname;
      sentinel.stop_lsn = pg::Lsn{static_cast<std::uint64_t>(stop_seg) * pg::kDefaultSegmentSize + 0x100}.to_string();
    }
    store::put_bytes(s, layout::partition_key(name, 0, codec::Codec::Zstd), "tar");
    store::put_bytes(s, layout::extended_version_key(name), "PostgreSQL 15");
    store::put_bytes(s, layout::sentinel_key(name), sentinel.to_json());
    auto when = kNow - hours(100) + minutes(minute);
    s.set_modified(layout::sentinel_key(name), when);
    s.set_modified(layout::partition_key(name, 0, codec::Codec::Zstd), when);
    s.set_modified(layout::extended_version_key(name), when);
    return name.str();
  }
  // A backup without a sentinel whose objects were written `age` ago.
  std::string add_unfinished(int tli, int seg, hours age) {
    char segname[32];
    std::snprintf(segname, sizeof segname, "%08X00000000%08X", tli, seg);
    auto name = layout::BackupName::from_start(segname, 40);
    store::put_bytes(s, layout::extended_version_key(name), "PostgreSQL 15");
    s.set_modified(layout::extended_version_key(name), kNow - age);
    return name.str();
  }
  // Timeline `tli`'s history file with these lines.
  void add_history(int tli, const std::string& lines) {
    char n[64];
    std::snprintf(n, sizeof n, "wal_005/%08X.history", tli);
    store::put_bytes(s, n, lines);
  }
  bool has_history(int tli) {
    char n[64];
    std::snprintf(n, sizeof n, "wal_005/%08X.history", tli);
    return has(n);
  }
  // A WAL file archived `age` ago (by default long before kNow).
  void add_wal(int tli, int seg, const char* suffix = "", hours age = hours(100)) {
    char n[64];
    std::snprintf(n, sizeof n, "wal_005/%08X00000000%08X%s.zst", tli, seg, suffix);
    store::put_bytes(s, n, "w");
    s.set_modified(n, kNow - age);
  }
  bool has(const std::string& key) { return s.stat(key).has_value(); }
  bool has_backup(const std::string& name) { return has(layout::sentinel_key(*layout::BackupName::parse(name))); }
  bool has_wal(int tli, int seg, const char* suffix = "") {
    char n[64];
    std::snprintf(n, sizeof n, "wal_005/%08X00000000%08X%s.zst", tli, seg, suffix);
    return has(n);
  }
  DeletePlan run(DeleteRequest r) {
    auto plan = plan_delete(s, r, kNow);
    execute_delete(s, plan);
    return plan;
  }
};

// delete --confirm also clears what interrupted writers left (S3 multipart
// uploads over a day old, local temporaries), but only under the archive's
// own directories: an archive at a bucket's root shares it with others,
// whose uploads are not ours to abort.
TEST(Retention, DeleteClearsAbandonedUploadsOnlyUnderTheArchivesDirectories) {
  Archive a;
  a.add_backup(1, 0x10, 1);
  a.add_backup(1, 0x20, 2);
  test::FaultInjectingStore faults(a.s);
  std::vector<std::string> swept;
  faults.on_remove_abandoned = [&](const std::string& prefix) { swept.push_back(prefix); };
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  execute_delete(faults, plan_delete(faults, r, kNow));
  std::sort(swept.begin(), swept.end());
  EXPECT_EQ(swept, (std::vector<std::string>{std::string(layout::kBackupsDir), std::string(layout::kWalDir)}));
}

// A batch delete can fail for some keys and remove the others (S3
// DeleteObjects reports errors per key). A delete that fails so must never
// leave a sentinel whose files are gone: a backup that looks restorable
// and is not. Run again, the delete completes.
TEST(Retention, ADeleteFailingForSomeKeysNeverLeavesASentinelWithoutItsFiles) {
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto b3 = a.add_backup(1, 0x30, 3);
  for (int seg = 0x0F; seg <= 0x35; ++seg) a.add_wal(1, seg);
  test::FaultInjectingStore faults(a.s);
  faults.fail_removing("*_backup_stop_sentinel.json", ErrorCode::Transient);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = plan_delete(faults, r, kNow);
  ASSERT_EQ(plan.backups.size(), 2u);
  EXPECT_THROW(execute_delete(faults, plan), Error);
  for (const auto& b : {b1, b2, b3}) {
    auto name = *layout::BackupName::parse(b);
    if (!a.has(layout::sentinel_key(name))) continue;
    EXPECT_TRUE(a.has(layout::partition_key(name, 0, codec::Codec::Zstd))) << b << " kept its sentinel, lost its files";
    EXPECT_TRUE(a.has(layout::extended_version_key(name))) << b;
  }
  execute_delete(faults, plan_delete(faults, r, kNow));
  EXPECT_FALSE(a.has_backup(b1));
  EXPECT_FALSE(a.has_backup(b2));
  EXPECT_TRUE(a.has_backup(b3));
}

TEST(Retention, RetainKeepsNewestAndTheWalTheyNeed) {
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto b3 = a.add_backup(1, 0x30, 3);
  for (int seg = 0x0F; seg <= 0x35; ++seg) a.add_wal(1, seg);
  a.add_wal(1, 0x12, ".00000028.backup");
  a.add_history(2, "1\t0/40000000\tno recovery target specified\n");
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 2;
  auto plan = a.run(r);
  EXPECT_EQ(plan.backups, std::vector<std::string>{b1});
  EXPECT_FALSE(a.has_backup(b1));
  EXPECT_TRUE(a.has_backup(b2));
  EXPECT_TRUE(a.has_backup(b3));
  EXPECT_FALSE(a.has_wal(1, 0x1F));
  EXPECT_FALSE(a.has_wal(1, 0x12, ".00000028.backup"));
  for (int seg = 0x20; seg <= 0x35; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
  EXPECT_TRUE(a.has_history(2));
  // Nothing of b1 is left.
  std::size_t left = 0;
  a.s.list("basebackups_005/" + b1, [&](const store::ObjectInfo&) { ++left; });
  EXPECT_EQ(left, 0u);
}

TEST(Retention, WalOfOlderTimelinesIsNotNeededByANewerTimelinesBackup) {
  // Timeline 2 (its history file missing) holds the newest backup: it needs
  // only timeline 2 (and descendants) from its start. Timeline 1 past the
  // fork is an abandoned branch no kept backup needs.
  Archive a;
  a.add_backup(1, 0x10, 1);
  a.add_backup(2, 0x20, 2);
  a.add_wal(1, 0x15);
  a.add_wal(1, 0x25);
  a.add_wal(2, 0x21);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_FALSE(a.has_wal(1, 0x15));
  EXPECT_FALSE(a.has_wal(1, 0x25));
  EXPECT_TRUE(a.has_wal(2, 0x21));
}

TEST(Retention, PermanentBackupsAndTheirWalSurvive) {
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto b3 = a.add_backup(1, 0x30, 3);
  a.add_wal(1, 0x11);
  mark_backup(a.s, b1, true);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_TRUE(a.has_backup(b1));
  EXPECT_FALSE(a.has_backup(b2));
  EXPECT_TRUE(a.has_backup(b3));
  EXPECT_TRUE(a.has_wal(1, 0x11));
  mark_backup(a.s, b1, false);
  a.run(r);
  EXPECT_FALSE(a.has_backup(b1));
  EXPECT_FALSE(a.has_wal(1, 0x11));
  EXPECT_THROW(mark_backup(a.s, "base_000000010000000000000099_00000040", true), Error);
}

TEST(Retention, BeforeNameAndBeforeTime) {
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto b3 = a.add_backup(1, 0x30, 3);
  DeleteRequest r;
  r.mode = DeleteMode::Before;
  r.before = b2;
  auto plan = plan_delete(a.s, r, kNow);
  EXPECT_EQ(plan.backups, std::vector<std::string>{b1});
  r.before = "base_000000010000000000000099_00000040";
  EXPECT_THROW(plan_delete(a.s, r, kNow), Error);
  // By time: everything finished before a time after all of them, except the newest.
  r.before = "2100-01-01T00:00:00Z";
  plan = plan_delete(a.s, r, kNow);
  EXPECT_EQ(plan.backups, (std::vector<std::string>{b1, b2}));
  EXPECT_EQ(plan.kept_backups, std::vector<std::string>{b3});
  r.before = "not a time";
  EXPECT_THROW(plan_delete(a.s, r, kNow), Error);
}

TEST(Retention, WalEOfflineBackupKeepsTheWalItReallyNeeds) {
  // WAL-E names an offline backup with REDO 0/3000028 as ..._00000030: its real start is segment 3.
  Archive a;
  auto walE = a.add_backup(1, 0x30, 1, /*walE_offline=*/true);
  for (int seg = 1; seg <= 4; ++seg) a.add_wal(1, seg);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_TRUE(a.has_backup(walE));
  for (int seg = 1; seg <= 4; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
}

TEST(Retention, UnfinishedBackupsAfterGraceAndNoWalWithoutBackups) {
  Archive a;
  auto name = *layout::BackupName::parse("base_000000010000000000000005_00000040");
  store::put_bytes(a.s, layout::partition_key(name, 0, codec::Codec::Zstd), "old partial");
  a.s.set_modified(layout::partition_key(name, 0, codec::Codec::Zstd), kNow - hours(48));
  auto fresh = *layout::BackupName::parse("base_000000010000000000000006_00000040");
  store::put_bytes(a.s, layout::partition_key(fresh, 0, codec::Codec::Zstd), "in progress");
  a.s.set_modified(layout::partition_key(fresh, 0, codec::Codec::Zstd), kNow - minutes(5));
  a.add_wal(1, 1);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = a.run(r);
  EXPECT_EQ(plan.unfinished_backups, std::vector<std::string>{name.str()});
  EXPECT_FALSE(a.has(layout::partition_key(name, 0, codec::Codec::Zstd)));
  EXPECT_TRUE(a.has(layout::partition_key(fresh, 0, codec::Codec::Zstd)));
  EXPECT_TRUE(a.has_wal(1, 1));  // no finished backup: no WAL is deleted
}

TEST(Retention, EverythingAndOldVersions) {
  Archive a;
  auto b = a.add_backup(1, 0x10, 1);
  a.add_wal(1, 0x10);
  store::put_bytes(a.s, "wal_004/old.lzo", "x");
  store::put_bytes(a.s, "other/keep", "x");
  DeleteRequest old;
  old.mode = DeleteMode::OldVersions;
  a.run(old);
  EXPECT_FALSE(a.has("wal_004/old.lzo"));
  EXPECT_TRUE(a.has_backup(b));
  mark_backup(a.s, b, true);
  DeleteRequest all;
  all.mode = DeleteMode::Everything;
  EXPECT_THROW(plan_delete(a.s, all, kNow), Error);
  mark_backup(a.s, b, false);
  a.run(all);
  EXPECT_EQ(a.s.object_count(), 1u);
  EXPECT_TRUE(a.has("other/keep"));
}

// The timeline scenario: backups A (old) and B (newest on timeline 1); a
// point-in-time restore of A forked timeline 2 at segment 0x20, before B;
// backup C on timeline 2. Timeline 2 is live, B is on the abandoned branch.
struct ForkedArchive : Archive {
  std::string A, B, C;
  ForkedArchive() {
    A = add_backup(1, 0x10, 1, false, 0x11);
    B = add_backup(1, 0x30, 2, false, 0x31);
    C = add_backup(2, 0x25, 3, false, 0x26);
    add_history(2, "1\t0/20000000\tbefore 2026-11-30 01:00:00+00\n");
    for (int seg = 0x0F; seg <= 0x35; ++seg) add_wal(1, seg);
    for (int seg = 0x20; seg <= 0x28; ++seg) add_wal(2, seg);
    add_wal(1, 0x20, ".partial");
    add_wal(1, 0x30, ".00000028.backup");
    add_wal(2, 0x25, ".00000028.backup");
  }
};

TEST(Retention, RetainOneKeepsTheLiveTimelinesBackupNotTheAbandonedOne) {
  ForkedArchive a;
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = a.run(r);
  EXPECT_EQ(plan.kept_backups, std::vector<std::string>{a.C});
  EXPECT_EQ(plan.current_timeline, 2u);
  EXPECT_TRUE(a.has_backup(a.C));
  EXPECT_FALSE(a.has_backup(a.B));
  EXPECT_FALSE(a.has_backup(a.A));
  // C's WAL: timeline 2 from its start on.
  for (int seg = 0x25; seg <= 0x28; ++seg) EXPECT_TRUE(a.has_wal(2, seg)) << seg;
  EXPECT_TRUE(a.has_wal(2, 0x25, ".00000028.backup"));
  // Nothing else needs timeline 2 before C, nor any of timeline 1 (abandoned after the fork).
  for (int seg = 0x20; seg <= 0x24; ++seg) EXPECT_FALSE(a.has_wal(2, seg)) << seg;
  for (int seg = 0x0F; seg <= 0x35; ++seg) EXPECT_FALSE(a.has_wal(1, seg)) << seg;
  EXPECT_FALSE(a.has_wal(1, 0x20, ".partial"));
  EXPECT_FALSE(a.has_wal(1, 0x30, ".00000028.backup"));
  EXPECT_TRUE(a.has_history(2));
}

TEST(Retention, RetainTwoKeepsTheAncestorsBackupOnThePathAndItsWal) {
  ForkedArchive a;
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 2;
  auto plan = a.run(r);
  EXPECT_EQ(plan.kept_backups, (std::vector<std::string>{a.A, a.C}));
  EXPECT_EQ(plan.backups, std::vector<std::string>{a.B});
  EXPECT_FALSE(a.has_backup(a.B));
  // A needs timeline 1 from its start (all of it: point-in-time recovery along
  // timeline 1 is possible) and timeline 2, which descends from it.
  EXPECT_FALSE(a.has_wal(1, 0x0F));
  for (int seg = 0x10; seg <= 0x35; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
  for (int seg = 0x20; seg <= 0x28; ++seg) EXPECT_TRUE(a.has_wal(2, seg)) << seg;
  EXPECT_TRUE(a.has_history(2));
}

TEST(Retention, BeforeOrdersByTimelineHistory) {
  ForkedArchive a;
  DeleteRequest r;
  r.mode = DeleteMode::Before;
  r.before = a.C;  // B is off the live path: older than C although its position is later
  auto plan = plan_delete(a.s, r, kNow);
  EXPECT_EQ(plan.backups, (std::vector<std::string>{a.B, a.A}));
  r.before = a.A;  // before A: only the abandoned B
  plan = plan_delete(a.s, r, kNow);
  EXPECT_EQ(plan.backups, std::vector<std::string>{a.B});
}

TEST(Retention, NeverDeletesTheNewestBackupOfTheLiveTimeline) {
  ForkedArchive a;
  // B finished after C (the old primary kept running): by time it is the newest.
  a.s.set_modified(layout::sentinel_key(*layout::BackupName::parse(a.B)), kNow - hours(1));
  DeleteRequest r;
  r.mode = DeleteMode::Before;
  r.before = "2100-01-01T00:00:00Z";
  auto plan = a.run(r);
  EXPECT_TRUE(a.has_backup(a.C));
  EXPECT_TRUE(a.has_backup(a.B));  // the newest by time stays too
  EXPECT_FALSE(a.has_backup(a.A));
  EXPECT_TRUE(a.has_wal(2, 0x25));
}

TEST(Retention, PermanentBackupOnAnAbandonedTimelineKeepsItsWal) {
  ForkedArchive a;
  mark_backup(a.s, a.B, true);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_TRUE(a.has_backup(a.B));
  EXPECT_TRUE(a.has_backup(a.C));
  EXPECT_FALSE(a.has_backup(a.A));
  for (int seg = 0x30; seg <= 0x35; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
  EXPECT_TRUE(a.has_wal(1, 0x30, ".00000028.backup"));
  EXPECT_FALSE(a.has_wal(1, 0x2F));
  EXPECT_TRUE(a.has_wal(2, 0x25));
  EXPECT_FALSE(a.has_wal(2, 0x24));  // below B's start and C's: nobody needs it
}

TEST(Retention, TimelineWithoutHistoryCountsAsADescendant) {
  Archive a;
  a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  a.add_wal(1, 0x15);
  a.add_wal(3, 0x15);  // timeline 3 without 00000003.history: its ancestry is unknown
  a.add_wal(3, 0x25);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_TRUE(a.has_backup(b2));
  EXPECT_FALSE(a.has_wal(1, 0x15));
  EXPECT_FALSE(a.has_wal(3, 0x15));  // older than every kept backup's start
  EXPECT_TRUE(a.has_wal(3, 0x25));   // might continue b2's timeline: kept
}

TEST(Retention, RunningBackupKeepsItsWal) {
  // A slow backup started at 0x18 is still running while a newer one (0x20)
  // finished: retain 1 must keep the WAL from 0x18 on.
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto running = a.add_unfinished(1, 0x18, hours(2));
  for (int seg = 0x10; seg <= 0x22; ++seg) a.add_wal(1, seg);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = a.run(r);
  EXPECT_EQ(plan.running_backups, std::vector<std::string>{running});
  EXPECT_TRUE(plan.unfinished_backups.empty());
  EXPECT_FALSE(a.has_backup(b1));
  EXPECT_TRUE(a.has_backup(b2));
  EXPECT_TRUE(a.has(layout::extended_version_key(*layout::BackupName::parse(running))));
  for (int seg = 0x10; seg <= 0x17; ++seg) EXPECT_FALSE(a.has_wal(1, seg)) << seg;
  for (int seg = 0x18; seg <= 0x22; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
}

TEST(Retention, AbandonedUnfinishedBackupKeepsNothing) {
  Archive a;
  a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto stale = a.add_unfinished(1, 0x18, hours(30));
  for (int seg = 0x10; seg <= 0x22; ++seg) a.add_wal(1, seg);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = a.run(r);
  EXPECT_EQ(plan.unfinished_backups, std::vector<std::string>{stale});
  EXPECT_FALSE(a.has(layout::extended_version_key(*layout::BackupName::parse(stale))));
  for (int seg = 0x10; seg <= 0x1F; ++seg) EXPECT_FALSE(a.has_wal(1, seg)) << seg;
  for (int seg = 0x20; seg <= 0x22; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
}

TEST(Retention, DamagedHistoryStopsTheDelete) {
  ForkedArchive a;
  a.add_history(3, "not a history\n");
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  try {
    plan_delete(a.s, r, kNow);
    FAIL() << "a damaged history file was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
  }
}

// `delete everything` while a backup-push is running: the push checks its
// partitions and WAL, then writes its sentinel between delete's listing and
// its removals. Deleting the listed files then left a sentinel vouching for
// files that are gone: a backup that looks whole and cannot be restored. A
// running backup (no sentinel, younger than the grace) is kept, with the WAL
// from its start, as by every other mode.
TEST(Retention, EverythingNeverLeavesARunningBackupsSentinelWithoutItsFiles) {
  Archive a;
  auto old = a.add_backup(1, 0x10, 1);
  auto running = *layout::BackupName::parse(a.add_unfinished(1, 0x20, hours(1)));
  store::put_bytes(a.s, layout::partition_key(running, 0, codec::Codec::Zstd), "tar");
  a.s.set_modified(layout::partition_key(running, 0, codec::Codec::Zstd), kNow - minutes(5));
  for (int seg = 0x10; seg <= 0x21; ++seg) a.add_wal(1, seg);
  DeleteRequest all;
  all.mode = DeleteMode::Everything;
  auto plan = plan_delete(a.s, all, kNow);
  store::put_bytes(a.s, layout::sentinel_key(running), layout::Sentinel{}.to_json());  // backup-push finishes
  execute_delete(a.s, plan);
  EXPECT_FALSE(a.has_backup(old));
  ASSERT_TRUE(a.has(layout::sentinel_key(running)));
  EXPECT_TRUE(a.has(layout::partition_key(running, 0, codec::Codec::Zstd))) << "a sentinel without its files";
  EXPECT_TRUE(a.has(layout::extended_version_key(running)));
  for (int seg = 0x20; seg <= 0x21; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
  EXPECT_FALSE(a.has_wal(1, 0x1F));
  EXPECT_EQ(plan.running_backups, std::vector<std::string>{running.str()});
  // Abandoned ones (older than the grace) still go.
  auto stale = *layout::BackupName::parse(a.add_unfinished(1, 0x30, hours(30)));
  a.run(all);
  EXPECT_FALSE(a.has(layout::extended_version_key(stale)));
}

// WAL-E names an offline backup after pg_controldata's timeline read as
// decimal and then used as hex: on timeline 10 (0000000A...) the name says
// 00000010. The WAL it needs is timeline 10's; keeping only "timeline 16"
// deleted every segment of the live timeline 10.
TEST(Retention, WalEOfflineBackupOnTimelineTenKeepsItsWal) {
  Archive a;
  // REDO 0/B000028 on timeline 10: base_0000001000000000000000B0_000000B0, real start 0000000A000000000000000B.
  auto name = layout::BackupName{"0000001000000000000000B0", "000000B0"};
  layout::Sentinel sentinel;
  sentinel.wal_segment_backup_stop = name.segment;
  sentinel.wal_segment_offset_backup_stop = name.offset;
  store::put_bytes(a.s, layout::partition_key(name, 0, codec::Codec::Lzop), "tar");
  store::put_bytes(a.s, layout::extended_version_key(name), "PostgreSQL 9.6");
  store::put_bytes(a.s, layout::sentinel_key(name), sentinel.to_json());
  std::string history;
  for (int t = 1; t <= 9; ++t) history += std::to_string(t) + "\t0/0" + std::to_string(t) + "000000\tx\n";
  a.add_history(10, history);
  for (int seg = 0x0A; seg <= 0x0D; ++seg) a.add_wal(10, seg);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_TRUE(a.has(layout::sentinel_key(name)));
  for (int seg = 0x0A; seg <= 0x0D; ++seg) EXPECT_TRUE(a.has_wal(10, seg)) << seg;
  EXPECT_TRUE(a.has_history(10));
}

// backup-push --permanent writes the marker just before the sentinel: a push
// that fails there leaves a backup without a sentinel but with a marker.
// Such a backup does not exist and backup-mark cannot unmark it (it has no
// sentinel), so `delete everything` refusing it as permanent could never
// run. Abandoned, it is deleted like any unfinished backup.
TEST(Retention, EverythingDeletesAnAbandonedBackupWithAPermanentMarker) {
  Archive a;
  auto b = a.add_backup(1, 0x10, 1);
  auto failed = *layout::BackupName::parse(a.add_unfinished(1, 0x20, hours(30)));
  store::put_bytes(a.s, layout::permanent_marker_key(failed), std::string(layout::kPermanentMarkerContent));
  a.s.set_modified(layout::permanent_marker_key(failed), kNow - hours(30));
  EXPECT_THROW(mark_backup(a.s, failed.str(), false), Error);
  DeleteRequest all;
  all.mode = DeleteMode::Everything;
  a.run(all);
  EXPECT_FALSE(a.has_backup(b));
  EXPECT_FALSE(a.has(layout::permanent_marker_key(failed)));
  EXPECT_FALSE(a.has(layout::extended_version_key(failed)));
  // A finished permanent backup still stops it.
  auto kept = a.add_backup(1, 0x30, 3);
  mark_backup(a.s, kept, true);
  EXPECT_THROW(plan_delete(a.s, all, kNow), Error);
}

// A test clone restored A to a point before B (forking timeline 2), was
// promoted with the production archive_command, took backup C and was shut
// down; production goes on archiving timeline 1. Timeline 2 is the highest,
// but timeline 1 is still being written: its newest backup and the WAL from
// it on are what production's recovery needs. retain 1 deleted B and every
// segment of timeline 1, keeping only the clone's C.
TEST(Retention, ATimelineStillArchivingIsLiveToo) {
  ForkedArchive a;
  for (int seg = 0x36; seg <= 0x40; ++seg) a.add_wal(1, seg, "", hours(1));
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  auto plan = a.run(r);
  EXPECT_EQ(plan.live_timelines, (std::vector<std::uint32_t>{2, 1}));
  EXPECT_TRUE(a.has_backup(a.B));
  EXPECT_TRUE(a.has_backup(a.C));
  EXPECT_FALSE(a.has_backup(a.A));
  for (int seg = 0x30; seg <= 0x40; ++seg) EXPECT_TRUE(a.has_wal(1, seg)) << seg;
  for (int seg = 0x25; seg <= 0x28; ++seg) EXPECT_TRUE(a.has_wal(2, seg)) << seg;
  EXPECT_FALSE(a.has_wal(1, 0x2F));
  // Once timeline 1 has been silent for longer than the grace, the highest
  // timeline alone is live again (the usual failover: the old primary stopped).
  ForkedArchive quiet;
  plan = quiet.run(r);
  EXPECT_EQ(plan.kept_backups, std::vector<std::string>{quiet.C});
}

}  // namespace
}  // namespace wale::catalog
