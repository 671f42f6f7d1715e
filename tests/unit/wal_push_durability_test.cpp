// wal-push vouches only for durable objects: an object it finds already
// archived may have been published by a pusher that was killed (or whose
// finish failed) before it synced it -- the local store moves the file into
// place, then fsyncs its directory. Reporting such an object as archived
// without making it durable lets a crash lose a segment PostgreSQL has
// already recycled.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "archive/wal_push.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/crashable_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

namespace fs = std::filesystem;

const std::string kSeg = "000000010000000000000009";

using test::CrashableStore;

std::string write_segment(const test::TempDir& dir) {
  std::string path = dir.path() + "/" + kSeg;
  std::ofstream(path, std::ios::binary) << std::string(100000, 'w') << "end";
  return path;
}

// The retry of a killed archive_command finds the object the killed call
// published (step 1: its first look) and must make it durable before exit 0.
TEST(WalPushDurability, AnObjectFoundArchivedIsMadeDurableBeforeItIsVouchedFor) {
  test::TempDir dir;
  CrashableStore store;
  std::string path = write_segment(dir);
  std::string key = layout::wal_key(kSeg, codec::Codec::Zstd);
  ASSERT_EQ(wal_push(store, path, {codec::Codec::Zstd}), WalPushResult::Stored);
  store.leave_unsynced(key);  // as if that pusher was killed before its directory fsync

  ASSERT_EQ(wal_push(store, path, {codec::Codec::Zstd}), WalPushResult::AlreadyArchived);
  store.crash();
  EXPECT_TRUE(store.stat(key)) << "wal-push vouched for an object that a crash then lost";
}

// The same for a pusher that lost the create-only race (step 2) to one that
// has published but not yet synced (here: skipped its first look, as the
// push-ahead worker does after its batch look).
TEST(WalPushDurability, AnObjectThatWonTheCreateOnlyRaceIsMadeDurableBeforeItIsVouchedFor) {
  test::TempDir dir;
  CrashableStore store;
  std::string path = write_segment(dir);
  std::string key = layout::wal_key(kSeg, codec::Codec::Zstd);
  ASSERT_EQ(wal_push(store, path, {codec::Codec::Zstd}), WalPushResult::Stored);
  store.leave_unsynced(key);

  WalPushOptions options{codec::Codec::Zstd};
  options.known_absent = true;
  ASSERT_EQ(wal_push(store, path, options), WalPushResult::AlreadyArchived);
  store.crash();
  EXPECT_TRUE(store.stat(key)) << "wal-push vouched for an object that a crash then lost";
}

// An object that vanishes before it could be made durable is not vouched for.
TEST(WalPushDurability, AnObjectThatVanishesBeforeItIsSyncedIsNotVouchedFor) {
  test::TempDir dir;
  store::MemoryStore memory;
  struct Vanishing final : store::ObjectStore {
    store::MemoryStore& inner;
    explicit Vanishing(store::MemoryStore& m) : inner(m) {}
    std::unique_ptr<io::ByteSink> put(std::string_view k, const store::PutOptions& o = {}) override {
      return inner.put(k, o);
    }
    std::unique_ptr<io::ByteSource> get(std::string_view k) override { return inner.get(k); }
    std::optional<store::ObjectInfo> stat(std::string_view k) override { return inner.stat(k); }
    void list(std::string_view p, const std::function<void(const store::ObjectInfo&)>& each) override {
      inner.list(p, each);
    }
    void remove(std::span<const std::string> keys) override { inner.remove(keys); }
    std::string describe(std::string_view k) const override { return inner.describe(k); }
    void make_durable(std::string_view k) override {
      throw Error(ErrorCode::NotFound, "object vanished before it could be synced", std::string(k));
    }
  } vanishing(memory);
  std::string path = write_segment(dir);
  ASSERT_EQ(wal_push(memory, path, {codec::Codec::Zstd}), WalPushResult::Stored);
  try {
    wal_push(vanishing, path, {codec::Codec::Zstd});
    FAIL() << "an object that could not be made durable was vouched for";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient) << e.message();  // PostgreSQL retries; not "file not found"
  }
}

TEST(LocalStoreDurability, MakeDurableSyncsAnExistingObjectAndRefusesAMissingOne) {
  test::TempDir dir;
  fs::create_directories(dir.path() + "/archive/wal_005");
  std::ofstream(dir.path() + "/archive/wal_005/" + kSeg + ".zst") << "object";
  store::LocalStore store(dir.path() + "/archive");
  EXPECT_NO_THROW(store.make_durable("wal_005/" + kSeg + ".zst"));
  try {
    store.make_durable("wal_005/" + kSeg + ".lz4");
    FAIL() << "a missing object was synced";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

}  // namespace
}  // namespace wale::archive
