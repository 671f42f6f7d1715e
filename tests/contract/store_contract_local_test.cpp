#include <sys/stat.h>

#include <filesystem>

#include "contract/store_contract.h"
#include "core/error.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/temp_dir.h"

namespace wale::test {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         testing::Values(StoreFactory{"memory", [] {
                           return std::unique_ptr<store::ObjectStore>(std::make_unique<store::MemoryStore>());
                         }}),
                         [](const auto& info) { return info.param.name; });

// Each local store lives in its own temporary directory, kept alive for the process.
std::unique_ptr<store::ObjectStore> make_local() {
  static std::vector<std::unique_ptr<TempDir>> dirs;
  dirs.push_back(std::make_unique<TempDir>());
  return std::make_unique<store::LocalStore>(dirs.back()->path() + "/archive");
}

INSTANTIATE_TEST_SUITE_P(Local, StoreContract, testing::Values(StoreFactory{"local", make_local}),
                         [](const auto& info) { return info.param.name; });

TEST(LocalStore, FilesAndDirectoriesAreNotGroupOrWorldReadable) {
  TempDir dir;
  store::LocalStore s(dir.path() + "/archive");
  store::put_bytes(s, "wal_005/seg", "data");
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/archive/wal_005/seg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/archive/wal_005").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(LocalStore, AbandonedWriteLeavesNoTemporaryFile) {
  TempDir dir;
  store::LocalStore s(dir.path());
  { auto sink = s.put("x/y"); sink->write(std::string_view("abc")); }
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path() + "/x")) ++entries;
  EXPECT_EQ(entries, 0u);
}

TEST(LocalStore, RefusedCreateOnlyPutLeavesNoTemporaryFile) {
  TempDir dir;
  store::LocalStore s(dir.path());
  store::put_bytes(s, "x/y", "old");
  store::PutOptions create_only;
  create_only.if_absent = true;
  EXPECT_THROW(store::put_bytes(s, "x/y", "new", create_only), Error);
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir.path() + "/x")) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"y"});
}

TEST(LocalStore, RemovePrunesEmptyDirectoriesButNotRoot) {
  TempDir dir;
  store::LocalStore s(dir.path() + "/root");
  store::put_bytes(s, "a/b/c", "1");
  std::vector<std::string> keys{"a/b/c"};
  s.remove(keys);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/root/a"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/root"));
}

TEST(LocalStore, RelativeRootIsRejected) {
  EXPECT_THROW(store::LocalStore("relative/path"), Error);  // NOLINT
}

}  // namespace
}  // namespace wale::test
