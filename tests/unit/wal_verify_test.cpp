#include <gtest/gtest.h>

#include "catalog/backup_verify.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "store/memory/memory_store.h"

namespace wale::catalog {
namespace {

void add_seg(store::MemoryStore& s, std::uint32_t tli, int seg) {
  char n[64];
  std::snprintf(n, sizeof n, "wal_005/%08X00000000%08X", tli, seg);
  store::put_bytes(s, n, "w");
}

void add_backup(store::MemoryStore& s, const std::string& segment) {
  auto name = layout::BackupName::from_start(segment, 40);
  store::put_bytes(s, layout::sentinel_key(name), layout::Sentinel{}.to_json());
}

TEST(WalVerify, FollowsTimelineHistoryAndFindsGaps) {
  store::MemoryStore s;
  add_backup(s, "000000010000000000000002");
  for (int i = 1; i <= 5; ++i) add_seg(s, 1, i);  // timeline 1 continues past the switch (old primary)
  for (int i = 5; i <= 8; ++i) add_seg(s, 2, i);
  store::put_bytes(s, "wal_005/00000002.history", "1\t0/5000000\tno recovery target specified\n");
  auto ok = verify_wal(s, 16 * 1024 * 1024);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.start, "000000010000000000000002");
  EXPECT_EQ(ok.end, "000000020000000000000008");
  EXPECT_EQ(ok.timelines, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(ok.segments_checked, 3u + 4u);  // 1: 2..4, 2: 5..8

  std::vector<std::string> gone{"wal_005/000000020000000000000006", "wal_005/000000010000000000000003"};
  s.remove(gone);
  auto bad = verify_wal(s, 16 * 1024 * 1024);
  ASSERT_EQ(bad.gaps.size(), 2u);
  EXPECT_EQ(bad.gaps[0].first_missing, "000000010000000000000003");
  EXPECT_EQ(bad.gaps[1].first_missing, "000000020000000000000006");
  EXPECT_EQ(bad.gaps[1].count, 1u);
  EXPECT_NE(wal_report_json(bad).find("\"first_missing\": \"000000020000000000000006\""), std::string::npos);
}

TEST(WalVerify, SegmentSizeComesFromTheNewestSentinel) {
  // 64 MiB segments: 64 per log, so ...3F is followed by the next log's 00.
  store::MemoryStore s;
  auto name = layout::BackupName::from_start("00000001000000000000003E", 40);
  layout::Sentinel sentinel;
  sentinel.segment_size = 64ULL << 20;
  store::put_bytes(s, layout::sentinel_key(name), sentinel.to_json());
  store::put_bytes(s, "wal_005/00000001000000000000003E", "w");
  store::put_bytes(s, "wal_005/00000001000000000000003F", "w");
  store::put_bytes(s, "wal_005/000000010000000100000000", "w");
  auto r = verify_wal(s);
  EXPECT_TRUE(r.ok()) << wal_report_text(r);
  EXPECT_EQ(r.segments_checked, 3u);
  // Read as 16 MiB segments, the same archive has a gap of 0x40..0xFF.
  EXPECT_FALSE(verify_wal(s, 16ULL << 20).ok());
}

TEST(WalVerify, MissingHistoryFileIsAGap) {
  store::MemoryStore s;
  add_seg(s, 1, 1);
  add_seg(s, 2, 2);
  auto r = verify_wal(s, 16 * 1024 * 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.gaps[0].first_missing, "00000002.history");
}

TEST(BackupVerify, ReportsEachMissingSegmentFromStartToStop) {
  store::MemoryStore s;
  auto name = layout::BackupName::from_start("0000000200000000000000FE", 40);
  layout::Sentinel sentinel;
  sentinel.format = "wal-e-cpp/1";
  sentinel.wal_segment_backup_stop = "000000020000000100000001";
  BackupInfo info{name, {}, sentinel};
  add_seg(s, 2, 0xFE);
  store::put_bytes(s, "wal_005/000000020000000100000001.lz4", "w");  // another codec counts
  add_seg(s, 1, 0xFF);                                               // another timeline does not
  auto r = verify_backup(s, info, 1);
  EXPECT_EQ(r.wal_segments, 4u);
  std::vector<std::string> wal_problems;
  for (const auto& p : r.problems) {
    if (p.what.find("WAL needed") != std::string::npos) wal_problems.push_back(p.location);
  }
  ASSERT_EQ(wal_problems.size(), 2u);
  EXPECT_NE(wal_problems[0].find("0000000200000000000000FF"), std::string::npos) << wal_problems[0];
  EXPECT_NE(wal_problems[1].find("000000020000000100000000"), std::string::npos) << wal_problems[1];
}

// A promoted standby archives the old timeline's last segment as .partial;
// the new timeline's first segment holds that segment's WAL up to the switch
// and is the one recovery reads (it tries the newest timeline first). Such an
// archive is complete: reporting the old timeline's segment as a gap made
// wal-verify fail on every archive that went through a promotion.
TEST(WalVerify, APromotionsPartialSegmentIsNoGap) {
  store::MemoryStore s;
  add_backup(s, "000000010000000000000002");
  for (int i = 1; i <= 4; ++i) add_seg(s, 1, i);
  store::put_bytes(s, "wal_005/000000010000000000000005.partial", "w");
  for (int i = 5; i <= 7; ++i) add_seg(s, 2, i);
  store::put_bytes(s, "wal_005/00000002.history", "1\t0/50000A0\tno recovery target specified\n");
  auto report = verify_wal(s, 16 * 1024 * 1024);
  EXPECT_TRUE(report.ok()) << wal_report_text(report);
  EXPECT_EQ(report.segments_checked, 3u + 3u);  // 1: 2..4, 2: 5..7
  // The new timeline's first segment is needed, though.
  std::vector<std::string> gone{"wal_005/000000020000000000000005"};
  s.remove(gone);
  auto bad = verify_wal(s, 16 * 1024 * 1024);
  ASSERT_EQ(bad.gaps.size(), 1u);
  EXPECT_EQ(bad.gaps[0].first_missing, "000000020000000000000005");
}

// WAL-E names an offline backup after a mis-parsed position ahead of its real
// start (REDO 0/3000028 gives base_000000010000000000000030_00000030, real
// start segment 3), and WAL-E's own delete then removed WAL that backup needs
// (wal-e-spec 2.1). wal-verify started at the name's segment and reported
// such an archive complete. It starts, as retention keeps, at segment 0 of
// that log.
TEST(WalVerify, ChecksAWalEOfflineBackupFromItsLogsFirstSegment) {
  store::MemoryStore s;
  auto name = *layout::BackupName::parse("base_000000010000000000000030_00000030");
  layout::Sentinel walE;
  walE.wal_segment_backup_stop = name.segment;
  walE.wal_segment_offset_backup_stop = name.offset;
  store::put_bytes(s, layout::sentinel_key(name), walE.to_json());
  for (int i = 0x30; i <= 0x32; ++i) add_seg(s, 1, i);
  auto report = verify_wal(s, 16 * 1024 * 1024);
  ASSERT_EQ(report.gaps.size(), 1u) << wal_report_text(report);
  EXPECT_EQ(report.start, "000000010000000000000000");
  EXPECT_EQ(report.gaps[0].first_missing, "000000010000000000000000");
  EXPECT_EQ(report.gaps[0].last_missing, "00000001000000000000002F");
  for (int i = 0; i < 0x30; ++i) add_seg(s, 1, i);
  EXPECT_TRUE(verify_wal(s, 16 * 1024 * 1024).ok());
}

}  // namespace
}  // namespace wale::catalog
