// Requests per WAL segment against radosgw: wal-push's create-only publication
// and its look under every codec's key must not cost a round trip per codec
// (S3 bills and delays by request; issue 11 item 5).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "archive/wal_archive.h"
#include "archive/wal_push.h"
#include "archive/wal_push_ahead.h"
#include "s3_test_env.h"
#include "store/s3/s3_store.h"
#include "test_support/fake_clock.h"
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
// one listing of its name that both reads the PUT back (its ETag is our MD5)
// and looks under the other codecs. Three, not one per codec (was four: a
// HEAD for the read-back and a listing of the others).
TEST(S3WalRequests, PushOfAFreshSegmentTakesThreeRequests) {
  TempDir dir;
  S3Store s(radosgw_config("wal-requests-fresh"));
  std::string seg = write_segment(dir, "000000010000000000000001", random_data(1u << 20, 21));
  archive::WalPushOptions opts{.codec = codec::Codec::Lz4};
  auto before = requests(s);
  EXPECT_EQ(archive::wal_push(s, seg, opts), archive::WalPushResult::Stored);
  EXPECT_LE(requests(s) - before, 3u);
  EXPECT_TRUE(s.stat("wal_005/000000010000000000000001.lz4"));

  // Pushed again (PostgreSQL retrying after a crash): listing, GET to compare, listing of the others.
  before = requests(s);
  EXPECT_EQ(archive::wal_push(s, seg, opts), archive::WalPushResult::AlreadyArchived);
  EXPECT_LE(requests(s) - before, 3u);
}

// The listing that reads a create-only PUT back takes an object for ours only
// by its ETag: another content under the key is a Conflict (the HEAD of
// x-amz-meta-wale-md5 confirms it), the same bytes are ours (a retried PUT
// whose first reply was lost), and the other keys are answered either way.
TEST(S3WalRequests, ThePutsListingTakesOnlyOurBytesForOurs) {
  S3Store s(radosgw_config("wal-requests-readback"));
  const std::string key = "wal_005/000000010000000000000004.lz4";
  store::put_bytes(s, key, "theirs");
  store::put_bytes(s, "wal_005/000000010000000000000004.zst", "other codec");
  auto put = [&](const std::string& bytes, std::optional<std::vector<store::ObjectInfo>>& looked_up) {
    store::PutOptions o;
    o.if_absent = true;
    o.look_up_after = {"wal_005/000000010000000000000004.zst", "wal_005/000000010000000000000004.br"};
    o.looked_up = &looked_up;
    store::put_bytes(s, key, bytes, o);
  };
  std::optional<std::vector<store::ObjectInfo>> looked_up;
  try {
    put("ours", looked_up);
    FAIL() << "another object under the key was taken for ours";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.message();
  }
  EXPECT_EQ(store::get_bytes(s, key), "theirs");

  looked_up.reset();
  auto before = requests(s);
  put("theirs", looked_up);  // the very bytes stored: ours, confirmed by the listing alone
  EXPECT_EQ(requests(s) - before, 2u) << "PUT + one listing";
  ASSERT_TRUE(looked_up.has_value());
  ASSERT_EQ(looked_up->size(), 1u);
  EXPECT_EQ(looked_up->front().key, "wal_005/000000010000000000000004.zst");
}

// Step 3 through the PUT's own listing still sees another pusher's object of
// the name under another codec with other content: the push is withdrawn.
TEST(S3WalRequests, ThePutsListingSeesAConflictingObjectUnderAnotherCodec) {
  TempDir dir;
  S3Store s(radosgw_config("wal-requests-conflict"));
  std::string name = "000000010000000000000003";
  std::string seg = write_segment(dir, name, random_data(1u << 20, 23));
  {
    TempDir other;
    std::string theirs = write_segment(other, name, random_data(1u << 20, 24));
    ASSERT_EQ(archive::wal_push(s, theirs, {.codec = codec::Codec::Zstd}), archive::WalPushResult::Stored);
  }
  // known_absent: step 1 skipped, as if the other pusher published after our look.
  try {
    archive::wal_push(s, seg, {.codec = codec::Codec::Lz4, .known_absent = true});
    FAIL() << "a second content of one WAL file name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.message();
  }
  EXPECT_FALSE(s.stat("wal_005/" + name + ".lz4"));  // ours withdrawn
  EXPECT_TRUE(s.stat("wal_005/" + name + ".zst"));
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
// one listing, so that each fresh segment costs its PUT and one listing (the
// PUT's read-back and the look under the other codecs): two requests (was
// three). A call for a segment the worker stored then costs one: the HEAD
// that shows its object still exists.
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
  archive::PushAheadOptions opts{.codec = codec::Codec::Lz4, .pool_size = 2};
  auto before = requests(s);
  archive::wal_push_ahead_worker(s, dir.path(), segs, opts);
  EXPECT_LE(requests(s) - before, 8u * 2 + 1);
  for (const auto& name : segs) EXPECT_TRUE(s.stat("wal_005/" + name + ".lz4")) << name;

  before = requests(s);
  auto r = archive::wal_push_with_ahead(s, dir.path() + "/" + segs[3], opts);
  EXPECT_EQ(r.result, archive::WalPushResult::AlreadyArchived);
  EXPECT_NE(r.confirmed, archive::MarkerConfirmation::None);
  EXPECT_EQ(requests(s) - before, 1u);
}

// backup-push's wait for the last segments of a backup: the range is listed
// once, then each look for a segment still missing is one listing of its name
// under every codec (was a HEAD per codec: four per missing segment per look),
// and it finds a segment stored under a codec other than the preferred one.
TEST(S3WalRequests, BackupWalWaitLooksOncePerMissingSegment) {
  S3Store s(radosgw_config("wal-requests-wait"));
  store::put_bytes(s, "wal_005/000000010000000000000040.zst", "w");
  store::put_bytes(s, "wal_005/000000010000000000000041.lzo", "w");
  archive::WalArchive wal(s, codec::Codec::Lz4);
  FakeClock clock;
  auto before = requests(s);
  auto missing =
      wal.wait_for_segments(pg::WalSegment{1, 0x40}, pg::WalSegment{1, 0x42}, std::chrono::seconds(1), clock);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing.front().file_name(), "000000010000000000000042");
  // 20, 40, ... 320, 500, 500 ms: 7 looks in the second the wait may take, plus the listing.
  EXPECT_LE(requests(s) - before, 1u + 7u);
  EXPECT_GE(clock.slept(), std::chrono::seconds(1));

  EXPECT_EQ(wal.find_key("000000010000000000000041"), "wal_005/000000010000000000000041.lzo");
  store::put_bytes(s, "wal_005/000000010000000000000041.lz4", "w");  // the preferred codec is found first
  EXPECT_EQ(wal.find_key("000000010000000000000041"), "wal_005/000000010000000000000041.lz4");
  EXPECT_EQ(wal.find_key("000000010000000000000042"), std::nullopt);
}

}  // namespace
}  // namespace wale::test
