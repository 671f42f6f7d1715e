// wal-fetch and PostgreSQL's restore_command contract: exit 1 ("not in the
// archive", ends recovery) only when the archive definitely lacks the file;
// everything else must make recovery stop (exit > 125).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "archive/wal_fetch.h"
#include "archive/wal_push.h"
#include "core/error.h"
#include "io/file_streams.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

// A store whose objects are all absent and whose root cannot be reached, as
// S3 answers 404 to a HEAD/GET in a bucket that does not exist.
struct NoBucketStore {
  NoBucketStore() { faults.fail(test::FaultInjectingStore::Op::CheckAccess, ErrorCode::Remote, "*", 0); }
  std::size_t checks() const { return faults.calls(test::FaultInjectingStore::Op::CheckAccess); }
  store::MemoryStore empty;
  test::FaultInjectingStore faults{empty};
};

TEST(RestoreContract, OnlyNotFoundEndsRecoveryEveryOtherFailureStopsIt) {
  EXPECT_EQ(restore_exit_status(ErrorCode::NotFound), 1);
  for (ErrorCode c : {ErrorCode::Usage, ErrorCode::Config, ErrorCode::Conflict, ErrorCode::Corrupt, ErrorCode::Io,
                      ErrorCode::Transient, ErrorCode::Remote, ErrorCode::Postgres, ErrorCode::Unsupported,
                      ErrorCode::Cancelled, ErrorCode::Internal}) {
    int status = restore_exit_status(c);
    EXPECT_GT(status, 125) << to_string(c) << " would end recovery as \"not in the archive\"";
    EXPECT_LE(status, 255) << to_string(c);
    EXPECT_EQ(status, kRestoreFatalExit) << to_string(c);
  }
}

TEST(RestoreContract, AbsentObjectInAnUnreachableBucketIsAnErrorNotNotFound) {
  NoBucketStore store;
  test::TempDir dir;
  try {
    wal_fetch(store.faults, "000000010000000000000009", dir.path() + "/dest");
    FAIL() << "a missing bucket was reported as \"not in the archive\"";
  } catch (const Error& e) {
    EXPECT_NE(restore_exit_status(e.code()), 1);
  }
  EXPECT_EQ(store.checks(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/dest"));
}

TEST(RestoreContract, MissingArchiveRootIsAConfigErrorNotNotFound) {
  test::TempDir dir;
  store::LocalStore store(dir.path() + "/unmounted");
  try {
    wal_fetch(store, "000000010000000000000009", dir.path() + "/dest");
    FAIL() << "a missing archive root was reported as \"not in the archive\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
    EXPECT_NE(e.message().find("does not exist"), std::string::npos) << e.message();
    EXPECT_GT(restore_exit_status(e.code()), 125);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/unmounted"));
}

TEST(RestoreContract, AbsentObjectInAnExistingArchiveIsNotFound) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.path() + "/archive");
  store::LocalStore store(dir.path() + "/archive");
  EXPECT_FALSE(wal_fetch(store, "000000010000000000000009", dir.path() + "/dest"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/dest"));
}

TEST(RestoreContract, OneFlippedByteInAnArchivedSegmentStopsRecovery) {
  for (codec::Codec c : {codec::Codec::Zstd, codec::Codec::Lz4, codec::Codec::Lzop}) {
    store::MemoryStore store;
    test::TempDir dir;
    std::string seg = dir.path() + "/000000010000000000000003";
    {
      std::ofstream out(seg, std::ios::binary);
      for (std::uint32_t i = 0; i < (1u << 20); ++i) out.put(static_cast<char>((i * 7919u) >> 5));
    }
    wal_push(store, seg, {c});
    std::string key = "wal_005/000000010000000000000003" + std::string(codec::extension(c));
    std::string bytes = *store::get_bytes(store, key);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    store::put_bytes(store, key, bytes);
    try {
      wal_fetch(store, "000000010000000000000003", dir.path() + "/RECOVERYXLOG", c);
      ADD_FAILURE() << codec::extension(c) << ": a damaged object was restored";
    } catch (const Error& e) {
      EXPECT_GT(restore_exit_status(e.code()), 125) << codec::extension(c) << ": " << e.message();
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/RECOVERYXLOG"));
  }
}

}  // namespace
}  // namespace wale::archive
