#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "archive/wal_fetch.h"
#include "archive/wal_push.h"
#include "core/error.h"
#include "io/file_streams.h"
#include "io/memory_streams.h"
#include "store/memory/memory_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

std::string random_data(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = (i % 4096 < 2048) ? '\0' : static_cast<char>(rng());
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class WalArchive : public testing::TestWithParam<codec::Codec> {
 protected:
  void SetUp() override { dir_ = std::make_unique<test::TempDir>(); }
  std::string write_segment(const std::string& name, const std::string& data) {
    std::string p = dir_->path() + "/" + name;
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }
  std::unique_ptr<test::TempDir> dir_;
  store::MemoryStore store_;
};

TEST_P(WalArchive, PushThenFetchRoundTrips) {
  std::string data = random_data(1 << 20, 3);
  std::string path = write_segment("000000010000000000000001", data);
  EXPECT_EQ(wal_push(store_, path, {GetParam()}), WalPushResult::Stored);
  std::string key = "wal_005/000000010000000000000001" + std::string(codec::extension(GetParam()));
  EXPECT_TRUE(store_.stat(key)) << key;
  std::string dest = dir_->path() + "/RECOVERYXLOG";
  ASSERT_TRUE(wal_fetch(store_, "000000010000000000000001", dest, GetParam()));
  EXPECT_TRUE(read_file(dest) == data);
}

TEST_P(WalArchive, FetchFindsObjectsWrittenWithAnotherCodec) {
  std::string data = random_data(300000, 4);
  std::string path = write_segment("00000002.history", data);
  wal_push(store_, path, {GetParam()});
  for (codec::Codec preferred : {codec::Codec::None, codec::Codec::Lzop, codec::Codec::Lz4, codec::Codec::Zstd}) {
    std::string dest = dir_->path() + "/out";
    ASSERT_TRUE(wal_fetch(store_, "00000002.history", dest, preferred));
    EXPECT_TRUE(read_file(dest) == data);
  }
}

TEST_P(WalArchive, RepushSameContentSucceedsDifferentContentConflicts) {
  std::string path = write_segment("000000010000000000000002", random_data(100000, 5));
  EXPECT_EQ(wal_push(store_, path, {GetParam()}), WalPushResult::Stored);
  EXPECT_EQ(wal_push(store_, path, {GetParam()}), WalPushResult::AlreadyArchived);
  std::string key = "wal_005/000000010000000000000002" + std::string(codec::extension(GetParam()));
  auto before = store::get_bytes(store_, key);
  write_segment("000000010000000000000002", random_data(100000, 6));
  try {
    wal_push(store_, path, {GetParam()});
    FAIL() << "different content was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
  }
  EXPECT_EQ(store::get_bytes(store_, key), before);
}

INSTANTIATE_TEST_SUITE_P(Codecs, WalArchive,
                         testing::Values(codec::Codec::None, codec::Codec::Lzop, codec::Codec::Lz4, codec::Codec::Zstd),
                         [](const auto& info) { return std::string(codec::codec_name(info.param)); });

TEST(WalPush, MissingFileIsNotFound) {
  store::MemoryStore store;
  test::TempDir dir;
  try {
    wal_push(store, dir.path() + "/000000010000000000000001", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_EQ(e.message(), "could not find file for wal-push");
  }
  EXPECT_EQ(store.object_count(), 0u);
}

TEST(WalPush, RejectsNonWalNames) {
  store::MemoryStore store;
  test::TempDir dir;
  std::string p = dir.path() + "/postgresql.conf";
  std::ofstream(p) << "x";
  EXPECT_THROW(wal_push(store, p, {}), Error);
  EXPECT_EQ(store.object_count(), 0u);
}

TEST(WalFetch, AbsentReturnsFalseAndWritesNothing) {
  store::MemoryStore store;
  test::TempDir dir;
  EXPECT_FALSE(wal_fetch(store, "000000010000000000000009", dir.path() + "/dest"));
  EXPECT_FALSE(io::open_file_source(dir.path() + "/dest"));
}

TEST(WalFetch, CorruptObjectThrowsAndLeavesNoDestination) {
  store::MemoryStore store;
  test::TempDir dir;
  store::put_bytes(store, "wal_005/000000010000000000000009.zst", "this is not zstd");
  EXPECT_THROW(wal_fetch(store, "000000010000000000000009", dir.path() + "/dest"), Error);
  EXPECT_FALSE(io::open_file_source(dir.path() + "/dest"));
}

TEST(WalFetch, RejectsPathLikeNames) {
  store::MemoryStore store;
  test::TempDir dir;
  EXPECT_THROW(wal_fetch(store, "../../etc/passwd", dir.path() + "/dest"), Error);
}

}  // namespace
}  // namespace wale::archive
