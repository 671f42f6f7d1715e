// io::directory_names: a directory read that fails part-way is an error, not
// the end of the directory. A listing cut short by EIO or ESTALE (a failing
// disk, NFS) made the local store list a backup's files without its
// sentinel, and `delete` then took a finished backup for an abandoned one.
//
// readdir is interposed here (this binary's definition wins over libc's) and
// fails with EIO after a number of entries while armed on the calling thread.
#include <gtest/gtest.h>

#include <dirent.h>
#include <dlfcn.h>

#include <cerrno>
#include <fstream>

#include "core/error.h"
#include "io/file_streams.h"
#include "store/local/local_store.h"
#include "test_support/temp_dir.h"

namespace {
thread_local int g_entries_before_eio = -1;  // < 0: not armed

template <typename Fn>
Fn* real(const char* name) {
  return reinterpret_cast<Fn*>(::dlsym(RTLD_NEXT, name));
}

template <typename Entry, typename Fn>
Entry* fake_readdir(DIR* d, Fn* next) {
  if (g_entries_before_eio == 0) {
    errno = EIO;
    return nullptr;
  }
  if (g_entries_before_eio > 0) --g_entries_before_eio;
  return next(d);
}
}  // namespace

extern "C" struct dirent* readdir(DIR* d) {
  static auto* next = real<struct dirent*(DIR*)>("readdir");
  return fake_readdir<struct dirent>(d, next);
}

extern "C" struct dirent64* readdir64(DIR* d) {
  static auto* next = real<struct dirent64*(DIR*)>("readdir64");
  return fake_readdir<struct dirent64>(d, next);
}

namespace wale::io {
namespace {

struct Armed {
  explicit Armed(int entries) { g_entries_before_eio = entries; }
  ~Armed() { g_entries_before_eio = -1; }
};

TEST(DirectoryNames, AReadErrorIsAnErrorNotTheEndOfTheDirectory) {
  test::TempDir dir;
  for (const char* n : {"a", "b", "c"}) std::ofstream(dir.path() + "/" + n) << "x";
  ASSERT_EQ(directory_names(dir.path()).size(), 3u);
  {
    Armed eio(2);  // "." or "..", one more, then EIO
    EXPECT_THROW(directory_names(dir.path()), Error);
  }
  EXPECT_EQ(directory_names(dir.path()).size(), 3u);
}

TEST(DirectoryNames, TheLocalStoreListingFailsInsteadOfLeavingKeysOut) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/basebackups_005/base_000000010000000000000002_00000040");
  std::ofstream(dir.path() + "/basebackups_005/base_000000010000000000000002_00000040/extended_version.txt") << "x";
  std::ofstream(dir.path() + "/basebackups_005/base_000000010000000000000002_00000040_backup_stop_sentinel.json")
      << "{}";
  store::LocalStore store(dir.path());
  Armed eio(3);
  EXPECT_THROW(store.list("basebackups_005/", [](const store::ObjectInfo&) {}), Error);
}

}  // namespace
}  // namespace wale::io
