#include <gtest/gtest.h>

#include "core/error.h"
#include "pg/lsn.h"

namespace wale::pg {
namespace {

TEST(Lsn, ParsesAndPrints) {
  Lsn l = Lsn::parse("16/B374D848");
  EXPECT_EQ(l.value, (0x16ULL << 32) | 0xB374D848ULL);
  EXPECT_EQ(l.to_string(), "16/B374D848");
  EXPECT_EQ(Lsn::parse("0/0").to_string(), "0/0");
}

TEST(Lsn, RejectsGarbage) {
  for (const char* bad : {"", "16", "/1", "1/", "x/1", "123456789/0", "1/2/3"}) {
    EXPECT_THROW(Lsn::parse(bad), Error) << bad;
  }
}

TEST(WalSegment, FileNameFromLsn) {
  // 5/A9000028 on timeline 1 with 16 MiB segments: 0000000100000005000000A9.
  auto seg = WalSegment::from_lsn(1, Lsn::parse("5/A9000028"));
  EXPECT_EQ(seg.file_name(), "0000000100000005000000A9");
  EXPECT_EQ(seg.next().file_name(), "0000000100000005000000AA");
  auto last = WalSegment::from_lsn(2, Lsn::parse("5/FF000000"));
  EXPECT_EQ(last.next().file_name(), "000000020000000600000000");
}

TEST(WalSegment, OtherSegmentSizes) {
  auto seg = WalSegment::from_lsn(1, Lsn::parse("0/40000000"), 64 * 1024 * 1024);
  EXPECT_EQ(seg.file_name(), "000000010000000000000010");  // 0x40000000 / 64 MiB = 16
  auto parsed = WalSegment::parse("000000010000000100000003", 64 * 1024 * 1024);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->segno, 64u + 3u);
  EXPECT_FALSE(WalSegment::parse("000000010000000100000040", 64 * 1024 * 1024));
}

TEST(WalSegment, ParseRoundTrip) {
  auto s = WalSegment::parse("0000000300000001000000FE");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->timeline, 3u);
  EXPECT_EQ(s->file_name(), "0000000300000001000000FE");
  EXPECT_FALSE(WalSegment::parse("0000000300000001000000fe"));
  EXPECT_FALSE(WalSegment::parse("00000003000000010000FE"));
}

TEST(WalFileKind, Classifies) {
  EXPECT_EQ(classify_wal_file("000000010000000000000001"), WalFileKind::Segment);
  EXPECT_EQ(classify_wal_file("00000002.history"), WalFileKind::History);
  EXPECT_EQ(classify_wal_file("000000010000000000000002.00000028.backup"), WalFileKind::BackupHistory);
  EXPECT_EQ(classify_wal_file("000000010000000000000003.partial"), WalFileKind::Partial);
  for (const char* bad : {"", "RECOVERYXLOG", "00000002.histor", "../000000010000000000000001",
                          "000000010000000000000001.lzo", "0000000100000000000000g1"}) {
    EXPECT_EQ(classify_wal_file(bad), WalFileKind::Invalid) << bad;
  }
}

}  // namespace
}  // namespace wale::pg

#include <string>

#include "codec/codec.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "pg/wal_segment_header.h"

namespace wale::pg {
namespace {

TEST(WalSegmentHeader, NamesTheClusterOfAWalEFixtureSegment) {
  auto file =
      io::open_file_source(std::string(WALE_TESTDATA_DIR) + "/wal-e-archive/wal_005/000000010000000000000003.lzo");
  ASSERT_TRUE(file);
  io::FilterSource wal(codec::make_decompressor(codec::Codec::Lzop), std::move(file));
  std::byte head[kWalLongHeaderSize];
  ASSERT_EQ(io::read_full(wal, head), sizeof head);
  auto h = parse_wal_segment_header(head);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->system_identifier, 7711622476942193104ULL);  // the fixture README's
  EXPECT_EQ(h->timeline, 1u);
  EXPECT_EQ(h->page_address, 3ULL * 16 * 1024 * 1024);
  EXPECT_EQ(h->segment_size, 16u * 1024 * 1024);
  EXPECT_FALSE(parse_wal_segment_header(std::span<const std::byte>(head, 20)));
  std::byte short_page[kWalLongHeaderSize] = {};
  EXPECT_FALSE(parse_wal_segment_header(short_page));  // no XLP_LONG_HEADER
}

}  // namespace
}  // namespace wale::pg
