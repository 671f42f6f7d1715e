// wal-push and wal-fetch against a failing store (FaultInjectingStore over
// the memory store). restore_command: only a file the archive definitely
// lacks may give exit 1 (it ends recovery); every storage failure, damaged
// object or cut download must stop recovery (exit > 125) and leave no file
// behind. archive_command: success only when the segment is stored whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "archive/wal_fetch.h"
#include "archive/wal_prefetch.h"
#include "archive/wal_push.h"
#include "core/error.h"
#include "io/file_streams.h"
#include "layout/archive_layout.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

using test::FaultInjectingStore;
using Op = FaultInjectingStore::Op;
namespace fs = std::filesystem;

constexpr const char* kSeg = "000000010000000000000003";

std::string segment_bytes() {
  std::string s(256 * 1024, '\0');
  std::uint32_t x = 7;
  for (std::size_t i = 0; i < s.size(); ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(i % 3 == 0 ? (x >> 24) : 'w');
  }
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class WalFaults : public ::testing::Test {
 protected:
  WalFaults() {
    fs::create_directories(pg_wal);
    fs::create_directories(src_dir);
    std::ofstream(src_dir + "/" + kSeg, std::ios::binary) << segment_bytes();
  }
  std::string seg_path() const { return src_dir + "/" + kSeg; }
  std::string dest() const { return pg_wal + "/RECOVERYXLOG"; }

  test::TempDir dir;
  std::string pg_wal = dir.path() + "/pg_wal";
  std::string src_dir = dir.path() + "/src";
  store::MemoryStore base;
  FaultInjectingStore faults{base};
};

TEST_F(WalFaults, OnlyADefinitelyAbsentFileEndsRecovery) {
  EXPECT_FALSE(wal_fetch(faults, kSeg, dest()));
  EXPECT_EQ(faults.calls(Op::CheckAccess), 1u);
  EXPECT_TRUE(fs::is_empty(pg_wal));
  // Absent, but the archive root cannot be checked: not "absent".
  faults.fail(Op::CheckAccess, ErrorCode::Remote);
  try {
    wal_fetch(faults, kSeg, dest());
    FAIL() << "an unreachable archive was reported as lacking the file";
  } catch (const Error& e) {
    EXPECT_GT(restore_exit_status(e.code()), 125);
  }
  EXPECT_TRUE(fs::is_empty(pg_wal));
}

// Every way a fetch of an archived segment can fail stops recovery and
// leaves pg_wal as it was (no RECOVERYXLOG, no temporary).
TEST_F(WalFaults, EveryFailureOfAnArchivedSegmentStopsRecoveryAndWritesNothing) {
  for (codec::Codec c : {codec::Codec::Zstd, codec::Codec::Lzop}) {
    store::MemoryStore fresh;
    ASSERT_EQ(wal_push(fresh, seg_path(), {c}), WalPushResult::Stored);
    std::string key = layout::wal_key(kSeg, c);
    auto size = fresh.stat(key)->size;
    struct Case {
      std::string what;
      std::function<void(FaultInjectingStore&)> arm;
    };
    const std::vector<Case> cases{
        {"get fails", [&](auto& s) { s.fail(Op::Get, ErrorCode::Transient, key, 0); }},
        {"get refused", [&](auto& s) { s.fail(Op::Get, ErrorCode::Remote, "*", 0); }},
        {"preferred codec's get fails", [&](auto& s) { s.fail(Op::Get, ErrorCode::Transient, "*.zst", 0); }},
        {"read fails mid-way", [&](auto& s) { s.fail(Op::Read, ErrorCode::Transient, key, 2); }},
        {"cut to nothing", [&](auto& s) { s.truncate_reads(key, 0); }},
        {"cut in half", [&](auto& s) { s.truncate_reads(key, size / 2); }},
        {"last byte missing", [&](auto& s) { s.truncate_reads(key, size - 1); }},
        {"flipped byte", [&](auto& s) { s.corrupt_reads(key, size / 2); }},
    };
    for (const auto& k : cases) {
      SCOPED_TRACE(std::string(codec::codec_name(c)) + ": " + k.what);
      FaultInjectingStore s(fresh);
      k.arm(s);
      try {
        bool found = wal_fetch(s, kSeg, dest());
        ADD_FAILURE() << "wal-fetch " << (found ? "restored" : "reported as absent") << " a failed download";
      } catch (const Error& e) {
        EXPECT_GT(restore_exit_status(e.code()), 125) << to_string(e.code()) << ": " << e.message();
        if (k.what.find("cut") != std::string::npos || k.what.find("flipped") != std::string::npos ||
            k.what.find("missing") != std::string::npos) {
          EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
        }
      }
      EXPECT_TRUE(fs::is_empty(pg_wal)) << fs::directory_iterator(pg_wal)->path();
    }
    // And without faults it restores the same bytes.
    ASSERT_TRUE(wal_fetch(fresh, kSeg, dest()));
    EXPECT_TRUE(read_file(dest()) == segment_bytes());
    fs::remove(dest());
  }
}

// Exit 1 means "the archive lacks this file" and only wal_fetch's false
// return may produce it: a store (or any layer below) that throws
// Error{NotFound} -- a 404 on a body after the lookup, a missing key or
// bucket reported as NotFound -- must still stop recovery.
TEST_F(WalFaults, ANotFoundErrorFromTheStoreNeverEndsRecovery) {
  ASSERT_EQ(wal_push(base, seg_path(), {codec::Codec::Zstd}), WalPushResult::Stored);
  std::string key = layout::wal_key(kSeg, codec::Codec::Zstd);
  for (int fault = 0; fault < 3; ++fault) {
    SCOPED_TRACE(fault);
    faults.clear_faults();
    if (fault == 0) faults.fail(Op::Get, ErrorCode::NotFound, key, 0);
    if (fault == 1) faults.fail(Op::Read, ErrorCode::NotFound, key, 2);
    if (fault == 2) faults.fail(Op::Get, ErrorCode::NotFound, "*", 0).fail(Op::CheckAccess, ErrorCode::NotFound);
    try {
      wal_fetch(faults, fault == 2 ? "000000010000000000000009" : kSeg, dest());
      ADD_FAILURE() << "wal-fetch succeeded";
    } catch (const Error& e) {
      EXPECT_GT(restore_exit_status(e.code()), 125) << to_string(e.code()) << ": " << e.message();
    }
    EXPECT_TRUE(fs::is_empty(pg_wal));
  }
}

// The prefetcher downloading a damaged segment never leaves it where a
// later wal-fetch would promote it; the in-band fetch then fails loudly.
TEST_F(WalFaults, ADamagedPrefetchIsNeverPromoted) {
  ASSERT_EQ(wal_push(base, seg_path(), {codec::Codec::Zstd}), WalPushResult::Stored);
  std::string key = layout::wal_key(kSeg, codec::Codec::Zstd);
  faults.truncate_reads(key, base.stat(key)->size / 2);
  std::string pf = prefetch_dir_for(dest(), faults);
  wal_prefetch(faults, pf, {kSeg}, codec::Codec::Zstd, 2);
  EXPECT_FALSE(fs::exists(pf + "/" + kSeg));
  try {
    wal_fetch_with_prefetch(faults, kSeg, dest(), codec::Codec::Zstd, 0);
    FAIL() << "a cut segment was restored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
  }
  EXPECT_FALSE(fs::exists(dest()));
  faults.clear_faults();
  wal_prefetch(faults, pf, {kSeg}, codec::Codec::Zstd, 2);
  auto r = wal_fetch_with_prefetch(faults, kSeg, dest(), codec::Codec::Zstd, 0);
  EXPECT_TRUE(r.found);
  EXPECT_TRUE(read_file(dest()) == segment_bytes());
}

// An upload failing at put, mid-stream or at its end is not archived: the
// push fails, nothing is visible under any codec, and a retry stores it.
TEST_F(WalFaults, AFailedUploadIsNotArchivedAndARetryStoresIt) {
  for (Op op : {Op::Put, Op::Write, Op::Finish}) {
    SCOPED_TRACE(test::to_string(op));
    store::MemoryStore fresh;
    FaultInjectingStore s(fresh);
    s.fail(op, ErrorCode::Transient, "wal_005/*", 0);
    EXPECT_THROW(wal_push(s, seg_path(), {codec::Codec::Zstd}), Error);
    EXPECT_EQ(fresh.object_count(), 0u);
    s.clear_faults();
    EXPECT_EQ(wal_push(s, seg_path(), {codec::Codec::Zstd}), WalPushResult::Stored);
    std::string got = dest() + "." + test::to_string(op);
    ASSERT_TRUE(wal_fetch(fresh, kSeg, got));
    EXPECT_TRUE(read_file(got) == segment_bytes());
  }
}

// When the archived copy of a name cannot be read back (the store fails, or
// the object is damaged), wal-push can neither claim "already archived" nor
// replace it: it fails, and the stored object is left as it was.
TEST_F(WalFaults, AnUnreadableArchivedCopyIsNeverClaimedOrReplaced) {
  ASSERT_EQ(wal_push(base, seg_path(), {codec::Codec::Zstd}), WalPushResult::Stored);
  std::string key = layout::wal_key(kSeg, codec::Codec::Zstd);
  std::string stored = *store::get_bytes(base, key);
  for (int fault = 0; fault < 3; ++fault) {
    SCOPED_TRACE(fault);
    faults.clear_faults();
    if (fault == 0) faults.fail(Op::Get, ErrorCode::Transient, key, 0);
    if (fault == 1) faults.fail(Op::Read, ErrorCode::Remote, key, 0);
    if (fault == 2) faults.corrupt_reads(key, stored.size() / 2);
    EXPECT_THROW(wal_push(faults, seg_path(), {codec::Codec::Zstd}), Error);
    EXPECT_TRUE(*store::get_bytes(base, key) == stored);
    EXPECT_EQ(base.object_count(), 1u) << "another codec's copy was published";
  }
}

}  // namespace
}  // namespace wale::archive
