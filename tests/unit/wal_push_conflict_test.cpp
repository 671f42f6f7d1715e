// WAL objects are never replaced or shadowed: racing pushers of one name, and
// pushers using different codecs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/wal_fetch.h"
#include "archive/wal_push.h"
#include "core/error.h"
#include "io/memory_streams.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

namespace fs = std::filesystem;

const std::string kSeg = "000000010000000000000007";

// n threads meet here; fails the test instead of hanging if one never comes.
class Rendezvous {
 public:
  explicit Rendezvous(int n) : n_(n) {}
  void arrive_and_wait() {
    std::unique_lock lock(mu_);
    if (++arrived_ >= n_) {
      cv_.notify_all();
      return;
    }
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_ >= n_; })) {
      ADD_FAILURE() << "rendezvous timed out";
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_;
  int arrived_ = 0;
};

std::string write_file(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string content(char fill) { return std::string(100000, fill) + "end"; }

std::vector<std::string> wal_keys(store::ObjectStore& store) {
  std::vector<std::string> keys;
  store.list("wal_005/", [&](const store::ObjectInfo& i) { keys.push_back(i.key); });
  return keys;
}

// The decompressed content stored for kSeg, via wal_fetch.
std::optional<std::string> fetched(store::ObjectStore& store, const test::TempDir& dir) {
  std::string dest = dir.path() + "/fetched";
  fs::remove(dest);
  if (!wal_fetch(store, kSeg, dest)) return std::nullopt;
  return read_file(dest);
}

struct Outcome {
  std::optional<WalPushResult> result;
  std::optional<ErrorCode> error;
};

Outcome push_catching(store::ObjectStore& store, const std::string& path, codec::Codec codec) {
  Outcome o;
  try {
    o.result = wal_push(store, path, {codec});
  } catch (const Error& e) {
    o.error = e.code();
  }
  return o;
}

// Two pushers of one name with different content, interleaved so that both
// pass the initial look before either publishes.
std::pair<Outcome, Outcome> race(store::ObjectStore& base, const std::string& a, codec::Codec ca, const std::string& b,
                                 codec::Codec cb, bool meet_after_publish) {
  test::FaultInjectingStore store(base);
  Rendezvous before_put(2), after_publish(2);
  store.on_put = [&](const std::string&) { before_put.arrive_and_wait(); };
  if (meet_after_publish) store.after_finish = [&](const std::string&) { after_publish.arrive_and_wait(); };
  Outcome oa, ob;
  std::thread ta([&] { oa = push_catching(store, a, ca); });
  std::thread tb([&] { ob = push_catching(store, b, cb); });
  ta.join();
  tb.join();
  return {oa, ob};
}

class WalPushRace : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      std::filesystem::create_directory(dir_.path() + "/archive");  // the local store never creates its root
      store_ = std::make_unique<store::LocalStore>(dir_.path() + "/archive");
    } else {
      store_ = std::make_unique<store::MemoryStore>();
    }
  }
  test::TempDir dir_;
  std::unique_ptr<store::ObjectStore> store_;
};

TEST_P(WalPushRace, DifferentContentOnlyOnePusherSucceedsAndNothingIsOverwritten) {
  std::string a = write_file(dir_.path() + "/a/" + kSeg, content('a'));
  std::string b = write_file(dir_.path() + "/b/" + kSeg, content('b'));
  auto [oa, ob] = race(*store_, a, codec::Codec::Zstd, b, codec::Codec::Zstd, false);
  ASSERT_NE(oa.result.has_value(), ob.result.has_value()) << "exactly one pusher must succeed";
  const Outcome& loser = oa.result ? ob : oa;
  EXPECT_EQ(loser.error, ErrorCode::Conflict);
  EXPECT_EQ((oa.result ? oa : ob).result, WalPushResult::Stored);
  EXPECT_EQ(fetched(*store_, dir_), oa.result ? content('a') : content('b'));
  EXPECT_EQ(wal_keys(*store_), std::vector<std::string>{"wal_005/" + kSeg + ".zst"});
}

TEST_P(WalPushRace, SameContentBothSucceed) {
  std::string a = write_file(dir_.path() + "/a/" + kSeg, content('s'));
  std::string b = write_file(dir_.path() + "/b/" + kSeg, content('s'));
  auto [oa, ob] = race(*store_, a, codec::Codec::Zstd, b, codec::Codec::Zstd, false);
  ASSERT_TRUE(oa.result && ob.result);
  EXPECT_NE(*oa.result, *ob.result);  // one stored it, the other found it
  EXPECT_EQ(fetched(*store_, dir_), content('s'));
}

// Pushers of one name with different content and different codecs: never both
// succeed; the survivor's content is the only object; if both fail, no object.
void expect_at_most_one_winner(store::ObjectStore& store, const test::TempDir& dir, const Outcome& oa,
                               const Outcome& ob) {
  EXPECT_FALSE(oa.result && ob.result) << "both pushers succeeded with different content";
  EXPECT_TRUE(oa.result || oa.error == ErrorCode::Conflict);
  EXPECT_TRUE(ob.result || ob.error == ErrorCode::Conflict);
  auto keys = wal_keys(store);
  if (oa.result) {
    EXPECT_EQ(keys, std::vector<std::string>{"wal_005/" + kSeg + ".lzo"});
    EXPECT_EQ(fetched(store, dir), content('a'));
  } else if (ob.result) {
    EXPECT_EQ(keys, std::vector<std::string>{"wal_005/" + kSeg + ".zst"});
    EXPECT_EQ(fetched(store, dir), content('b'));
  } else {
    EXPECT_TRUE(keys.empty()) << "a failed pusher left its object";
  }
}

TEST_P(WalPushRace, DifferentCodecsBothPublishedBeforeLookingAgain) {
  std::string a = write_file(dir_.path() + "/a/" + kSeg, content('a'));
  std::string b = write_file(dir_.path() + "/b/" + kSeg, content('b'));
  // Both publish before either looks again: whoever looks first sees the other's object.
  auto [oa, ob] = race(*store_, a, codec::Codec::Lzop, b, codec::Codec::Zstd, true);
  EXPECT_FALSE(oa.result && ob.result);
  expect_at_most_one_winner(*store_, dir_, oa, ob);
}

TEST_P(WalPushRace, DifferentCodecsNeverBothSucceed) {
  std::string a = write_file(dir_.path() + "/a/" + kSeg, content('a'));
  std::string b = write_file(dir_.path() + "/b/" + kSeg, content('b'));
  auto [oa, ob] = race(*store_, a, codec::Codec::Lzop, b, codec::Codec::Zstd, false);
  expect_at_most_one_winner(*store_, dir_, oa, ob);
}

INSTANTIATE_TEST_SUITE_P(Stores, WalPushRace, testing::Values("memory", "local"),
                         [](const auto& info) { return info.param; });

TEST(WalPushAcrossCodecs, LzoThenZstdWithDifferentContentConflicts) {
  test::TempDir dir;
  store::MemoryStore store;
  std::string path = write_file(dir.path() + "/" + kSeg, content('a'));
  EXPECT_EQ(wal_push(store, path, {codec::Codec::Lzop}), WalPushResult::Stored);
  write_file(path, content('b'));
  EXPECT_EQ(push_catching(store, path, codec::Codec::Zstd).error, ErrorCode::Conflict);
  EXPECT_EQ(wal_keys(store), std::vector<std::string>{"wal_005/" + kSeg + ".lzo"});
  EXPECT_EQ(fetched(store, dir), content('a'));
}

TEST(WalPushAcrossCodecs, LzoThenZstdWithSameContentIsAlreadyArchived) {
  test::TempDir dir;
  store::MemoryStore store;
  std::string path = write_file(dir.path() + "/" + kSeg, content('a'));
  EXPECT_EQ(wal_push(store, path, {codec::Codec::Lzop}), WalPushResult::Stored);
  EXPECT_EQ(wal_push(store, path, {codec::Codec::Zstd}), WalPushResult::AlreadyArchived);
  EXPECT_EQ(wal_keys(store), std::vector<std::string>{"wal_005/" + kSeg + ".lzo"});
}

}  // namespace
}  // namespace wale::archive
