#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "contract/store_contract.h"
#include "core/error.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/temp_dir.h"

namespace wale::test {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         testing::Values(StoreFactory{"memory",
                                                      [] {
                                                        return std::unique_ptr<store::ObjectStore>(
                                                            std::make_unique<store::MemoryStore>());
                                                      }}),
                         [](const auto& info) { return info.param.name; });

// Each local store lives in its own temporary directory, kept alive for the process.
std::unique_ptr<store::ObjectStore> make_local() {
  static std::vector<std::unique_ptr<TempDir>> dirs;
  dirs.push_back(std::make_unique<TempDir>());
  std::filesystem::create_directory(dirs.back()->path() + "/archive");
  return std::make_unique<store::LocalStore>(dirs.back()->path() + "/archive");
}

INSTANTIATE_TEST_SUITE_P(Local, StoreContract, testing::Values(StoreFactory{"local", make_local}),
                         [](const auto& info) { return info.param.name; });

TEST(LocalStore, FilesAndDirectoriesAreNotGroupOrWorldReadable) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/archive");
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
  {
    auto sink = s.put("x/y");
    sink->write(std::string_view("abc"));
  }
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
  std::filesystem::create_directory(dir.path() + "/root");
  store::LocalStore s(dir.path() + "/root");
  store::put_bytes(s, "a/b/c", "1");
  std::vector<std::string> keys{"a/b/c"};
  s.remove(keys);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/root/a"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/root"));
}

// An unmounted disk or a mistyped prefix must not look like an empty archive
// (wal-fetch would say "not in the archive", ending recovery) nor be created
// on the wrong disk by a write.
TEST(LocalStore, MissingRootIsAConfigErrorForEveryOperationAndIsNeverCreated) {
  TempDir dir;
  const std::string root = dir.path() + "/archive";
  auto expect_missing_root = [&](const std::function<void(store::ObjectStore&)>& op, const char* what) {
    store::LocalStore s(root);
    try {
      op(s);
      ADD_FAILURE() << what << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config) << what;
      EXPECT_EQ(e.message(), "archive root " + root + " does not exist") << what;
    }
    EXPECT_FALSE(std::filesystem::exists(root)) << what << " created the root";
  };
  expect_missing_root([](auto& s) { s.get("wal_005/000000010000000000000001.zst"); }, "get");
  expect_missing_root([](auto& s) { s.stat("wal_005/000000010000000000000001.zst"); }, "stat");
  expect_missing_root([](auto& s) { s.list("basebackups_005/", [](const auto&) {}); }, "list");
  expect_missing_root([](auto& s) { s.list("", [](const auto&) {}); }, "list of everything");
  expect_missing_root([](auto& s) { store::put_bytes(s, "wal_005/000000010000000000000001.zst", "x"); }, "put");
  expect_missing_root(
      [](auto& s) {
        std::vector<std::string> k{"a/b"};
        s.remove(k);
      },
      "remove");
  expect_missing_root([](auto& s) { s.check_access(); }, "check_access");

  // A root that is a file is not an archive either.
  std::ofstream(root) << "not a directory";
  store::LocalStore file_root(root);
  EXPECT_THROW(file_root.stat("x"), Error);  // NOLINT
}

TEST(LocalStore, RootThatVanishesAfterTheFirstCheckIsNotRecreatedByAWrite) {
  TempDir dir;
  const std::string root = dir.path() + "/archive";
  std::filesystem::create_directory(root);
  store::LocalStore s(root);
  store::put_bytes(s, "wal_005/a", "1");
  std::filesystem::remove_all(root);
  EXPECT_THROW(store::put_bytes(s, "wal_005/b", "2"), Error);  // NOLINT
  EXPECT_FALSE(std::filesystem::exists(root));
}

TEST(LocalStore, RelativeRootIsRejected) {
  EXPECT_THROW(store::LocalStore("relative/path"), Error);  // NOLINT
}

}  // namespace
}  // namespace wale::test
