// Requests per WAL segment against radosgw: wal-push's create-only publication
// and its look under every codec's key must not cost a round trip per codec
// (S3 bills and delays by request; issue 11 item 5).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "archive/wal_push.h"
#include "archive/wal_push_ahead.h"
#include "s3_test_env.h"
#include "store/s3/s3_store.h"
#include "test_support/temp_dir.h"

namespace wale::test {
namespace {

using store::s3::S3Store;

std::string write_segment(const TempDir& dir, const std::string& name, const std::string& data) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

std::uint64_t requests(const S3Store& s) { return s.client_stats().requests; }

// Fresh segment: one listing of its name under every codec, the create-only PUT,
// its read-back (HEAD), one listing of the other codecs. Four, not one per codec.
TEST(S3WalRequests, PushOfAFreshSegmentTakesFourRequests) {
  TempDir dir;
  S3Store s(radosgw_config("wal-requests-fresh"));
  std::string seg = write_segment(dir, "000000010000000000000001", random_data(1u << 20, 21));
  archive::WalPushOptions opts{.codec = codec::Codec::Lz4};
  auto before = requests(s);
  EXPECT_EQ(archive::wal_push(s, seg, opts), archive::WalPushResult::Stored);
  EXPECT_LE(requests(s) - before, 4u);
  EXPECT_TRUE(s.stat("wal_005/000000010000000000000001.lz4"));

  // Pushed again (PostgreSQL retrying after a crash): listing, GET to compare, listing of the others.
  before = requests(s);
  EXPECT_EQ(archive::wal_push(s, seg, opts), archive::WalPushResult::AlreadyArchived);
  EXPECT_LE(requests(s) - before, 3u);
}

// Already stored under another codec with the same content: found by the one listing.
TEST(S3WalRequests, SegmentUnderAnotherCodecIsFoundByOneListing) {
  TempDir dir;
  S3Store s(radosgw_config("wal-requests-other"));
  std::string seg = write_segment(dir, "000000010000000000000002", random_data(1u << 20, 22));
  EXPECT_EQ(archive::wal_push(s, seg, {.codec = codec::Codec::Zstd}), archive::WalPushResult::Stored);
  auto before = requests(s);
  EXPECT_EQ(archive::wal_push(s, seg, {.codec = codec::Codec::Lz4}), archive::WalPushResult::AlreadyArchived);
  EXPECT_LE(requests(s) - before, 3u);
  EXPECT_FALSE(s.stat("wal_005/000000010000000000000002.lz4"));
}

// The push-ahead worker looks for a whole batch of neighbouring segments with
// one listing, so that each fresh segment costs its PUT, the PUT's read-back
// and the listing of the other codecs: three requests, not four.
TEST(S3WalRequests, PushAheadWorkerLooksOncePerBatch) {
  TempDir dir;
  S3Store s(radosgw_config("wal-requests-ahead"));
  std::filesystem::create_directories(dir.path() + "/archive_status");
  std::vector<std::string> segs;
  for (int i = 1; i <= 8; ++i) {
    std::string name = "00000001000000000000002" + std::to_string(i);
    write_segment(dir, name, random_data(256u << 10, 30 + i));
    std::ofstream(dir.path() + "/archive_status/" + name + ".ready");
    segs.push_back(name);
  }
  auto before = requests(s);
  archive::wal_push_ahead_worker(s, dir.path(), segs, {.codec = codec::Codec::Lz4, .pool_size = 2});
  EXPECT_LE(requests(s) - before, 8u * 3 + 1);
  for (const auto& name : segs) EXPECT_TRUE(s.stat("wal_005/" + name + ".lz4")) << name;
}

}  // namespace
}  // namespace wale::test
