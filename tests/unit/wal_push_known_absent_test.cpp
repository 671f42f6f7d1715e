// WalPushOptions::known_absent (the push-ahead worker's one look per batch):
// skipping wal-push's first look never lets a name get two contents or lose
// its idempotence; only an upload is wasted when the look was stale.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "archive/wal_push.h"
#include "core/error.h"
#include "io/hashing_source.h"
#include "layout/archive_layout.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

const std::string kSeg = "000000010000000000000009";
using Op = test::FaultInjectingStore::Op;

std::string write_segment(const test::TempDir& dir, const std::string& data) {
  std::string path = dir.path() + "/" + kSeg;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

TEST(WalPushKnownAbsent, SkipsTheFirstLookAndStillStores) {
  test::TempDir dir;
  store::MemoryStore memory;
  test::FaultInjectingStore store(memory);
  std::string path = write_segment(dir, std::string(100000, 'a'));
  WalPushOptions opts{.codec = codec::Codec::Lz4, .known_absent = true};
  EXPECT_EQ(wal_push(store, path, opts), WalPushResult::Stored);
  EXPECT_TRUE(memory.stat(layout::wal_key(kSeg, codec::Codec::Lz4)));
  // Step 3 only: the other codecs' keys (3), not our own key before the PUT.
  std::size_t looks_with = store.calls(Op::Stat) + store.calls(Op::List);

  test::TempDir dir2;
  store::MemoryStore memory2;
  test::FaultInjectingStore store2(memory2);
  EXPECT_EQ(wal_push(store2, write_segment(dir2, std::string(100000, 'a')), {.codec = codec::Codec::Lz4}),
            WalPushResult::Stored);
  EXPECT_LT(looks_with, store2.calls(Op::Stat) + store2.calls(Op::List));
}

TEST(WalPushKnownAbsent, AStaleLookFindsTheSameObjectAlreadyArchived) {
  test::TempDir dir;
  store::MemoryStore store;
  std::string path = write_segment(dir, std::string(100000, 'b'));
  ASSERT_EQ(wal_push(store, path, {.codec = codec::Codec::Lz4}), WalPushResult::Stored);
  WalPushOptions opts{.codec = codec::Codec::Lz4, .known_absent = true};
  EXPECT_EQ(wal_push(store, path, opts), WalPushResult::AlreadyArchived);
}

TEST(WalPushKnownAbsent, AStaleLookCannotGiveTheNameASecondContent) {
  test::TempDir dir;
  store::MemoryStore store;
  // Same codec, different content: the create-only PUT refuses.
  ASSERT_EQ(wal_push(store, write_segment(dir, std::string(100000, 'c')), {.codec = codec::Codec::Lz4}),
            WalPushResult::Stored);
  std::string path = write_segment(dir, std::string(100000, 'd'));
  try {
    wal_push(store, path, {.codec = codec::Codec::Lz4, .known_absent = true});
    FAIL() << "a second content was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
  }
  // Another codec, different content: step 3 withdraws ours.
  try {
    wal_push(store, path, {.codec = codec::Codec::Zstd, .known_absent = true});
    FAIL() << "a second content was accepted under another codec";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
  }
  EXPECT_FALSE(store.stat(layout::wal_key(kSeg, codec::Codec::Zstd)));
  EXPECT_TRUE(store.stat(layout::wal_key(kSeg, codec::Codec::Lz4)));
}

}  // namespace
}  // namespace wale::archive
