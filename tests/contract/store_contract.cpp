#include "contract/store_contract.h"

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "core/error.h"
#include "io/memory_streams.h"

namespace wale::test {
namespace {

std::vector<std::string> list_keys(store::ObjectStore& s, const std::string& prefix) {
  std::vector<std::string> keys;
  s.list(prefix, [&](const store::ObjectInfo& i) { keys.push_back(i.key); });
  return keys;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_P(StoreContract, PutThenGetRoundTrips) {
  store::put_bytes(*store_, "a/b/c.txt", "hello");
  EXPECT_EQ(store::get_bytes(*store_, "a/b/c.txt"), "hello");
}

TEST_P(StoreContract, LargeObjectStreamsInChunks) {
  std::string data = random_bytes(3 * 1024 * 1024 + 17, 1);
  auto sink = store_->put("big/object");
  for (std::size_t i = 0; i < data.size(); i += 100000) {
    sink->write(std::string_view(data).substr(i, 100000));
  }
  sink->finish();
  auto got = store::get_bytes(*store_, "big/object");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->size(), data.size());
  EXPECT_TRUE(*got == data);
  auto info = store_->stat("big/object");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, data.size());
}

TEST_P(StoreContract, EmptyObjectExists) {
  store::put_bytes(*store_, "empty", "");
  auto info = store_->stat("empty");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(store::get_bytes(*store_, "empty"), "");
}

TEST_P(StoreContract, AbsentObjectIsNullNotError) {
  EXPECT_EQ(store_->get("no/such/key"), nullptr);
  EXPECT_FALSE(store_->stat("no/such/key").has_value());
}

TEST_P(StoreContract, AbandonedWriteLeavesNothingVisible) {
  {
    auto sink = store_->put("wal_005/abandoned");
    sink->write(std::string_view("partial data"));
  }  // destroyed without finish()
  EXPECT_FALSE(store_->stat("wal_005/abandoned").has_value());
  EXPECT_EQ(store_->get("wal_005/abandoned"), nullptr);
  EXPECT_TRUE(list_keys(*store_, "wal_005/").empty());
}

TEST_P(StoreContract, AbandonedOverwriteKeepsOldObject) {
  store::put_bytes(*store_, "k", "old");
  {
    auto sink = store_->put("k");
    sink->write(std::string_view("new but unfinished"));
  }
  EXPECT_EQ(store::get_bytes(*store_, "k"), "old");
}

TEST_P(StoreContract, FinishedOverwriteReplaces) {
  store::put_bytes(*store_, "k", "old");
  store::put_bytes(*store_, "k", "new");
  EXPECT_EQ(store::get_bytes(*store_, "k"), "new");
}

TEST_P(StoreContract, ListIsSortedAndFilteredByPrefix) {
  for (const char* k : {"wal_005/3", "wal_005/1", "basebackups_005/x/y", "wal_005/2", "wal_0050"}) {
    store::put_bytes(*store_, k, k);
  }
  EXPECT_EQ(list_keys(*store_, "wal_005/"), (std::vector<std::string>{"wal_005/1", "wal_005/2", "wal_005/3"}));
  EXPECT_EQ(list_keys(*store_, "wal_005"),
            (std::vector<std::string>{"wal_005/1", "wal_005/2", "wal_005/3", "wal_0050"}));
  EXPECT_EQ(list_keys(*store_, "basebackups_005/x/"), (std::vector<std::string>{"basebackups_005/x/y"}));
  EXPECT_EQ(list_keys(*store_, "").size(), 5u);
  std::vector<std::uint64_t> sizes;
  store_->list("wal_005/", [&](const store::ObjectInfo& i) { sizes.push_back(i.size); });
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{9, 9, 9}));
}

TEST_P(StoreContract, ListPartialNamePrefix) {
  store::put_bytes(*store_, "basebackups_005/base_1_sentinel.json", "{}");
  store::put_bytes(*store_, "basebackups_005/base_1/tar_partitions/part_00000000.tar", "t");
  store::put_bytes(*store_, "basebackups_005/other", "o");
  EXPECT_EQ(list_keys(*store_, "basebackups_005/base_"),
            (std::vector<std::string>{"basebackups_005/base_1/tar_partitions/part_00000000.tar",
                                      "basebackups_005/base_1_sentinel.json"}));
}

TEST_P(StoreContract, StatManyReturnsTheExistingKeysInOrder) {
  store::put_bytes(*store_, "wal_005/000000010000000000000003.lz4", "lz4");
  store::put_bytes(*store_, "wal_005/000000010000000000000003", "none");
  store::put_bytes(*store_, "wal_005/000000010000000000000003.partial.lz4", "partial");  // longer name, not asked
  store::put_bytes(*store_, "wal_005/000000010000000000000004.lz4", "next");
  std::vector<std::string> keys{"wal_005/000000010000000000000003.zst", "wal_005/000000010000000000000003",
                                "wal_005/000000010000000000000003.lzo", "wal_005/000000010000000000000003.lz4"};
  auto infos = store_->stat_many(keys);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].key, "wal_005/000000010000000000000003");
  EXPECT_EQ(infos[0].size, 4u);
  EXPECT_EQ(infos[1].key, "wal_005/000000010000000000000003.lz4");
  EXPECT_EQ(infos[1].size, 3u);
  std::vector<std::string> absent{"wal_005/000000010000000000000005.lz4", "wal_005/000000010000000000000005"};
  EXPECT_TRUE(store_->stat_many(absent).empty());
  std::vector<std::string> other_dirs{"a/1", "b/1", "wal_005/000000010000000000000004.lz4"};
  auto found = store_->stat_many(other_dirs);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, "wal_005/000000010000000000000004.lz4");
}

TEST_P(StoreContract, RemoveDeletesAndIgnoresAbsent) {
  store::put_bytes(*store_, "d/1", "1");
  store::put_bytes(*store_, "d/2", "2");
  std::vector<std::string> keys{"d/1", "d/absent"};
  store_->remove(keys);
  EXPECT_FALSE(store_->stat("d/1").has_value());
  EXPECT_EQ(list_keys(*store_, "d/"), (std::vector<std::string>{"d/2"}));
}

TEST_P(StoreContract, ModifiedTimeIsRecent) {
  auto before = std::chrono::system_clock::now() - std::chrono::minutes(5);
  store::put_bytes(*store_, "t", "x");
  auto info = store_->stat("t");
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->modified, before);
}

TEST_P(StoreContract, InvalidKeysAreRejected) {
  for (const char* k : {"", "/abs", "a/../b", "a//b", "./a"}) {
    EXPECT_THROW(store_->put(k), Error) << k;
  }
}

TEST_P(StoreContract, ConcurrentPutsOfDifferentKeys) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string key = "c/" + std::to_string(t) + "_" + std::to_string(i);
        store::put_bytes(*store_, key, key);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto keys = list_keys(*store_, "c/");
  EXPECT_EQ(keys.size(), 40u);
  for (const auto& k : keys) EXPECT_EQ(store::get_bytes(*store_, k), k);
}

store::PutOptions create_only() {
  store::PutOptions o;
  o.if_absent = true;
  return o;
}

// Expects `f` to throw Error{Conflict}.
template <typename F>
void expect_conflict(F&& f) {
  try {
    f();
    ADD_FAILURE() << "no Conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.what();
  }
}

TEST_P(StoreContract, CreateOnlyPutCreatesAnAbsentObject) {
  store::put_bytes(*store_, "wal_005/seg", "first", create_only());
  EXPECT_EQ(store::get_bytes(*store_, "wal_005/seg"), "first");
}

TEST_P(StoreContract, CreateOnlyPutNeverReplaces) {
  store::put_bytes(*store_, "wal_005/seg", "old");
  expect_conflict([&] { store::put_bytes(*store_, "wal_005/seg", "new", create_only()); });
  EXPECT_EQ(store::get_bytes(*store_, "wal_005/seg"), "old");
  EXPECT_EQ(list_keys(*store_, "wal_005/"), std::vector<std::string>{"wal_005/seg"});
}

TEST_P(StoreContract, CreateOnlyPutsRacingOnlyTheFirstToFinishWins) {
  // Both writers start before either publishes: the check must happen at publication.
  auto a = store_->put("wal_005/seg", create_only());
  auto b = store_->put("wal_005/seg", create_only());
  a->write(std::string_view("from a"));
  b->write(std::string_view("from b"));
  a->finish();
  expect_conflict([&] { b->finish(); });
  b.reset();
  EXPECT_EQ(store::get_bytes(*store_, "wal_005/seg"), "from a");
  EXPECT_EQ(list_keys(*store_, "wal_005/"), std::vector<std::string>{"wal_005/seg"});
}

TEST_P(StoreContract, CreateOnlyLargePutsRacingOnlyTheFirstToFinishWins) {
  // Large enough for a multipart upload on S3 (the tests' part size is 5 MiB).
  std::string da = random_bytes(6 * 1024 * 1024 + 17, 7), db = random_bytes(6 * 1024 * 1024 + 17, 8);
  store::put_bytes(*store_, "big/existing", da);
  auto a = store_->put("big/new", create_only());
  auto b = store_->put("big/new", create_only());
  auto c = store_->put("big/existing", create_only());
  for (std::size_t i = 0; i < da.size(); i += 1 << 20) {
    a->write(std::string_view(da).substr(i, 1 << 20));
    b->write(std::string_view(db).substr(i, 1 << 20));
    c->write(std::string_view(db).substr(i, 1 << 20));
  }
  a->finish();
  expect_conflict([&] { b->finish(); });
  expect_conflict([&] { c->finish(); });
  b.reset();
  c.reset();
  EXPECT_TRUE(store::get_bytes(*store_, "big/new") == da);
  EXPECT_TRUE(store::get_bytes(*store_, "big/existing") == da);
  EXPECT_EQ(list_keys(*store_, "big/"), (std::vector<std::string>{"big/existing", "big/new"}));
}

TEST_P(StoreContract, DescribeNamesTheKey) {
  EXPECT_NE(store_->describe("wal_005/x").find("wal_005/x"), std::string::npos);
}

}  // namespace
}  // namespace wale::test
