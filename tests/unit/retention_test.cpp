#include <gtest/gtest.h>

#include <algorithm>

#include "backup/retention.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "store/memory/memory_store.h"

namespace wale::backup {
namespace {

using namespace std::chrono;
const auto kNow = system_clock::time_point(hours(24 * 365 * 50));

struct Archive {
  store::MemoryStore s;
  // A finished backup of ours starting at segment `seg` (TLI tli), finished at minute `minute`.
  std::string add_backup(int tli, int seg, int minute, bool walE_offline = false) {
    char segname[32];
    std::snprintf(segname, sizeof segname, "%08X00000000%08X", tli, seg);
    auto name = layout::BackupName::from_start(segname, 40);
    layout::Sentinel sentinel;
    sentinel.wal_segment_backup_stop = walE_offline ? std::string(segname) : "stop";
    if (!walE_offline) sentinel.format = "wal-e-cpp/1";
    store::put_bytes(s, layout::partition_key(name, 0, codec::Codec::Zstd), "tar");
    store::put_bytes(s, layout::extended_version_key(name), "PostgreSQL 15");
    store::put_bytes(s, layout::sentinel_key(name), sentinel.to_json());
    auto when = kNow - hours(100) + minutes(minute);
    s.set_modified(layout::sentinel_key(name), when);
    s.set_modified(layout::partition_key(name, 0, codec::Codec::Zstd), when);
    s.set_modified(layout::extended_version_key(name), when);
    return name.str();
  }
  void add_wal(int tli, int seg, const char* suffix = "") {
    char n[64];
    std::snprintf(n, sizeof n, "wal_005/%08X00000000%08X%s.zst", tli, seg, suffix);
    store::put_bytes(s, n, "w");
  }
  bool has(const std::string& key) { return s.stat(key).has_value(); }
  bool has_backup(const std::string& name) {
    return has(layout::sentinel_key(*layout::BackupName::parse(name)));
  }
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

TEST(Retention, RetainKeepsNewestAndTheWalTheyNeed) {
  Archive a;
  auto b1 = a.add_backup(1, 0x10, 1);
  auto b2 = a.add_backup(1, 0x20, 2);
  auto b3 = a.add_backup(1, 0x30, 3);
  for (int seg = 0x0F; seg <= 0x35; ++seg) a.add_wal(1, seg);
  a.add_wal(1, 0x12, ".00000028.backup");
  store::put_bytes(a.s, "wal_005/00000002.history.zst", "h");
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
  EXPECT_TRUE(a.has("wal_005/00000002.history.zst"));
  // Nothing of b1 is left.
  std::size_t left = 0;
  a.s.list("basebackups_005/" + b1, [&](const store::ObjectInfo&) { ++left; });
  EXPECT_EQ(left, 0u);
}

TEST(Retention, WalOfNewerTimelinesAboveTheHorizonIsKept) {
  Archive a;
  a.add_backup(1, 0x10, 1);
  a.add_backup(2, 0x20, 2);
  a.add_wal(1, 0x15);
  a.add_wal(1, 0x25);  // timeline 1 past the newest backup's start: might be needed, kept
  a.add_wal(2, 0x21);
  DeleteRequest r;
  r.mode = DeleteMode::Retain;
  r.retain = 1;
  a.run(r);
  EXPECT_FALSE(a.has_wal(1, 0x15));
  EXPECT_TRUE(a.has_wal(1, 0x25));
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

}  // namespace
}  // namespace wale::backup
