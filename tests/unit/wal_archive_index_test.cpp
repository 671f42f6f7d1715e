// WalArchive (typed listing, history, waiting), the typed WAL keys of
// layout/ and timeline history.
#include <gtest/gtest.h>

#include "archive/wal_archive.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "pg/timeline_history.h"
#include "store/memory/memory_store.h"
#include "test_support/fake_clock.h"

namespace wale::archive {
namespace {

std::string seg(std::uint32_t tli, std::uint64_t segno) { return pg::WalSegment{tli, segno}.file_name(); }

TEST(WalKeys, ParseEveryKindIntoTypedValues) {
  auto s = layout::parse_wal_key("wal_005/0000000200000001000000FE.lzo");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, pg::WalFileKind::Segment);
  EXPECT_EQ(s->name, "0000000200000001000000FE");
  EXPECT_EQ(s->timeline, 2u);
  ASSERT_TRUE(s->segment);
  EXPECT_EQ(s->segment->segno, 0x1FEu);
  auto p = layout::parse_wal_key("wal_005/000000030000000000000005.partial.zst");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, pg::WalFileKind::Partial);
  EXPECT_EQ(p->segment->segno, 5u);
  auto b = layout::parse_wal_key("wal_005/000000010000000000000012.00000028.backup");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, pg::WalFileKind::BackupHistory);
  EXPECT_EQ(b->segment->segno, 0x12u);
  auto h = layout::parse_wal_key("wal_005/0000000A.history.lz4");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, pg::WalFileKind::History);
  EXPECT_EQ(h->timeline, 10u);
  EXPECT_FALSE(h->segment);
  EXPECT_FALSE(layout::parse_wal_key("wal_005/junk"));
  EXPECT_FALSE(layout::parse_wal_key("basebackups_005/000000010000000000000001"));
  // 1 GiB segments: only 4 per log; segment 5 of a log does not exist.
  auto big = layout::parse_wal_key("wal_005/000000010000000100000003", 1ULL << 30);
  ASSERT_TRUE(big && big->segment);
  EXPECT_EQ(big->segment->segno, 7u);
  EXPECT_FALSE(layout::parse_wal_key("wal_005/000000010000000100000005", 1ULL << 30)->segment);
  EXPECT_EQ(layout::history_file_name(0x1B), "0000001B.history");
  EXPECT_EQ(*layout::BackupName::parse("base_000000020000000100000003_00000040")->start_segment(),
            (pg::WalSegment{2, 0x103}));
}

TEST(TimelineHistory, ParseAndAncestry) {
  auto lines = pg::parse_timeline_history(
      "1\t0/3000158\tno recovery target specified\n\n"
      "# comment\n2\t0/5000060\tbefore 2026-11-30 01:00:00+00\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].timeline, 2u);
  EXPECT_EQ(lines[1].end, pg::Lsn::parse("0/5000060"));
  EXPECT_THROW(pg::parse_timeline_history("x 0/1\n"), Error);
  EXPECT_THROW(pg::parse_timeline_history("1 nonsense\n"), Error);

  pg::TimelineHistory h;
  h.add(3, lines);
  EXPECT_TRUE(h.descends_from(3, 1));
  EXPECT_TRUE(h.descends_from(3, 2));
  EXPECT_FALSE(h.descends_from(1, 3));
  EXPECT_TRUE(h.descends_from(4, 1));  // unknown: errs towards keeping
  EXPECT_TRUE(*h.on_path(3, 3, pg::Lsn{0x7000000}));
  EXPECT_TRUE(*h.on_path(3, 1, pg::Lsn{0x3000158}));
  EXPECT_FALSE(*h.on_path(3, 1, pg::Lsn{0x3000159}));
  EXPECT_TRUE(*h.on_path(3, 2, pg::Lsn{0x4000000}));
  EXPECT_FALSE(*h.on_path(3, 2, pg::Lsn{0x6000000}));
  EXPECT_FALSE(*h.on_path(3, 5, pg::Lsn{0}));
  EXPECT_FALSE(h.on_path(4, 1, pg::Lsn{0}).has_value());
}

struct Wal {
  store::MemoryStore s;
  void put(const std::string& name, codec::Codec c = codec::Codec::Zstd, const std::string& data = "w") {
    store::put_bytes(s, layout::wal_key(name, c), data);
  }
};

TEST(WalArchive, ListsTypedValuesAndFindsMissingSegmentsAcrossLogs) {
  Wal w;
  for (std::uint64_t n = 0xFD; n <= 0x102; ++n) {
    if (n != 0xFF && n != 0x101) w.put(seg(1, n), n % 2 ? codec::Codec::Lzop : codec::Codec::Zstd);
  }
  w.put(seg(1, 0xFF) + ".partial");  // not a full segment
  w.put(seg(2, 0x101));              // another timeline
  w.put("00000002.history", codec::Codec::None, "1\t0/FF800000\tforked\n");
  WalArchive archive(w.s);
  auto all = archive.list();
  EXPECT_EQ(all.size(), 7u);
  auto missing = archive.missing_segments(pg::WalSegment{1, 0xFD}, pg::WalSegment{1, 0x102});
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].file_name(), seg(1, 0xFF));
  EXPECT_EQ(missing[1].file_name(), seg(1, 0x101));
  EXPECT_EQ(archive.list_segments(1, 0xFE, 0x100).size(), 2u);
  auto history = archive.read_history();
  ASSERT_TRUE(history.ancestors(2));
  EXPECT_EQ(history.ancestors(2)->at(0).end, pg::Lsn::parse("0/FF800000"));
  EXPECT_TRUE(archive.find_key("00000002.history"));
  EXPECT_EQ(*archive.find_key(seg(1, 0xFD)), layout::wal_key(seg(1, 0xFD), codec::Codec::Lzop));
  EXPECT_FALSE(archive.open(seg(1, 0xFF)));
}

TEST(WalArchive, WaitForSegmentsTimesOutOnTheInjectedClock) {
  Wal w;
  WalArchive archive(w.s);
  test::FakeClock clock;
  w.put(seg(1, 2));
  int notes = 0;
  auto missing = archive.wait_for_segments(pg::WalSegment{1, 2}, pg::WalSegment{1, 3}, std::chrono::seconds(90), clock,
                                           [&](const pg::WalSegment& s) {
                                             EXPECT_EQ(s.file_name(), seg(1, 3));
                                             ++notes;
                                           });
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].file_name(), seg(1, 3));
  EXPECT_GE(clock.slept(), std::chrono::seconds(90));
  EXPECT_LT(clock.slept(), std::chrono::seconds(91));
  EXPECT_EQ(notes, 2);
  w.put(seg(1, 3), codec::Codec::Lz4);
  EXPECT_TRUE(
      archive.wait_for_segments(pg::WalSegment{1, 2}, pg::WalSegment{1, 3}, std::chrono::seconds(90), clock).empty());
}

// The stop segment of a backup is usually archived within a fraction of a second: the wait
// notices it soon after it arrives, not a whole 500 ms pause later (the old fixed interval
// left the 2 cores idle that long at the end of every backup-push), and still backs off.
TEST(WalArchive, WaitForSegmentsLooksAgainSoonThenBacksOff) {
  Wal w;
  WalArchive archive(w.s);
  struct ArchivingClock final : Clock {  // the archiver stores the segment 100 ms after the wait begins
    test::FakeClock fake;
    Wal& wal;
    explicit ArchivingClock(Wal& w) : wal(w) {}
    TimePoint now() const override { return fake.now(); }
    std::chrono::system_clock::time_point wall_now() const override { return fake.wall_now(); }
    void sleep_for(Duration d) override {
      bool before = fake.slept() < std::chrono::milliseconds(100);
      fake.sleep_for(d);
      if (before && fake.slept() >= std::chrono::milliseconds(100)) wal.put(seg(1, 3), codec::Codec::Lz4);
    }
  } clock(w);
  w.put(seg(1, 2));
  EXPECT_TRUE(
      archive.wait_for_segments(pg::WalSegment{1, 2}, pg::WalSegment{1, 3}, std::chrono::seconds(90), clock).empty());
  EXPECT_GE(clock.fake.slept(), std::chrono::milliseconds(100));
  EXPECT_LE(clock.fake.slept(), std::chrono::milliseconds(200));  // was 500 ms

  // Backing off: a wait of 90 s looks about 190 times (500 ms apart), not once per first pause.
  test::FakeClock counting;
  struct CountingClock final : Clock {
    test::FakeClock& fake;
    int sleeps = 0;
    explicit CountingClock(test::FakeClock& f) : fake(f) {}
    TimePoint now() const override { return fake.now(); }
    std::chrono::system_clock::time_point wall_now() const override { return fake.wall_now(); }
    void sleep_for(Duration d) override {
      ++sleeps;
      fake.sleep_for(d);
    }
  } slow(counting);
  EXPECT_EQ(
      archive.wait_for_segments(pg::WalSegment{1, 2}, pg::WalSegment{1, 4}, std::chrono::seconds(90), slow).size(), 1u);
  EXPECT_LE(slow.sleeps, 90 * 2 + 10);
  EXPECT_GE(counting.slept(), std::chrono::seconds(90));
}

}  // namespace
}  // namespace wale::archive
