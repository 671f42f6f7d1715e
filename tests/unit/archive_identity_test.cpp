// The archive knows whose it is: first use records the cluster's identity,
// a mismatch is refused by wal-push and wal-fetch, WAL-E archives (no
// identity object) keep working.
#include "archive/archive_identity.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "archive/wal_archive.h"
#include "archive/wal_fetch.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/cluster_identity.h"
#include "store/local/local_store.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::archive {
namespace {

constexpr std::uint64_t kSysidA = 7301000000000000001ULL;
constexpr std::uint64_t kSysidB = 7301000000000000002ULL;
constexpr std::uint64_t kWalESysid = 7711622476942193104ULL;  // tests/testdata/wal-e-archive
constexpr std::uint32_t k16M = 16u << 20;

// A data directory as PostgreSQL leaves it: PG_VERSION, global/pg_control
// (system identifier first, native order) and pg_wal/.
std::string make_data_dir(const std::string& dir, std::uint64_t sysid, const std::string& version = "15") {
  std::filesystem::create_directories(dir + "/global");
  std::filesystem::create_directories(dir + "/pg_wal");
  std::ofstream(dir + "/PG_VERSION") << version << "\n";
  std::string control(8192, '\0');
  std::memcpy(control.data(), &sysid, 8);
  std::ofstream(dir + "/global/pg_control", std::ios::binary) << control;
  return dir;
}

// A WAL segment whose long page header names `sysid` and `segsize`.
// A segment's first page: long header of cluster `sysid`, page address
// `segno` segments in (segment 000000010000000000000001 by default).
std::string write_segment(const std::string& path, std::uint64_t sysid, std::uint32_t segsize = k16M,
                          std::uint64_t segno = 1) {
  std::string b(64 * 1024, '\0');
  std::uint16_t magic = 0xD110, info = 0x0002;  // XLP_LONG_HEADER
  std::uint32_t tli = 1, blcksz = 8192;
  std::uint64_t page_address = segno * segsize;
  std::memcpy(&b[0], &magic, 2);
  std::memcpy(&b[2], &info, 2);
  std::memcpy(&b[4], &tli, 4);
  std::memcpy(&b[8], &page_address, 8);
  std::memcpy(&b[24], &sysid, 8);
  std::memcpy(&b[32], &segsize, 4);
  std::memcpy(&b[36], &blcksz, 4);
  std::ofstream(path, std::ios::binary) << b;
  return path;
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // "did not throw"
}

TEST(ArchiveIdentity, JsonRoundTripsAndDamageIsCorrupt) {
  layout::ClusterIdentity id{kSysidA, "15", k16M};
  EXPECT_EQ(layout::parse_cluster_identity(layout::format_cluster_identity(id), "x"), id);
  EXPECT_NE(layout::format_cluster_identity(id).find("\"7301000000000000001\""), std::string::npos);
  EXPECT_EQ(code_of([] { layout::parse_cluster_identity("{", "x"); }), ErrorCode::Corrupt);
  EXPECT_EQ(code_of([] { layout::parse_cluster_identity(R"({"system_identifier": 5})", "x"); }), ErrorCode::Corrupt);
  EXPECT_EQ(layout::identity_mismatch(id, {kSysidA, {}, 0}), "");
  EXPECT_NE(layout::identity_mismatch(id, {kSysidB, {}, 0}), "");
  EXPECT_NE(layout::identity_mismatch(id, {kSysidA, "16", 0}), "");
  EXPECT_NE(layout::identity_mismatch(id, {kSysidA, "15", 1u << 30}), "");
}

TEST(ArchiveIdentity, FirstPushRecordsTheClusterAndLaterPushesUseTheCache) {
  test::TempDir tmp;
  auto data = make_data_dir(tmp.path() + "/data", kSysidA);
  auto seg = write_segment(data + "/pg_wal/000000010000000000000001", kSysidA);
  store::MemoryStore base;
  test::FaultInjectingStore store(base);  // counts requests
  using Op = test::FaultInjectingStore::Op;
  check_identity_for_push(store, seg);
  auto recorded = read_archive_identity(store);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(*recorded, (layout::ClusterIdentity{kSysidA, "15", k16M}));
  EXPECT_TRUE(std::filesystem::exists(data + "/pg_wal/.wal-e/identity"));

  // The next pushes (and fetches into the same data directory) ask nothing.
  auto gets = store.calls(Op::Get), puts = store.calls(Op::Put);
  auto seg2 = write_segment(data + "/pg_wal/000000010000000000000002", kSysidA);
  check_identity_for_push(store, seg2);
  EXPECT_EQ(check_identity_for_fetch(store, data + "/pg_wal/RECOVERYXLOG"), recorded);
  EXPECT_EQ(store.calls(Op::Get), gets);
  EXPECT_EQ(store.calls(Op::Put), puts);
}

TEST(ArchiveIdentity, PushOfAnotherClusterIsRefusedAndChangesNothing) {
  test::TempDir tmp;
  store::MemoryStore store;
  check_identity_for_push(store,
                          write_segment(make_data_dir(tmp.path() + "/a", kSysidA) + "/pg_wal/000000010000000000000001",
                                        kSysidA));
  auto before = store::get_bytes(store, layout::cluster_identity_key());

  auto b = make_data_dir(tmp.path() + "/b", kSysidB);
  try {
    check_identity_for_push(store, write_segment(b + "/pg_wal/000000010000000000000001", kSysidB));
    FAIL() << "another cluster's push was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
    EXPECT_NE(e.message().find("belongs to another cluster"), std::string::npos) << e.message();
  }
  EXPECT_EQ(store::get_bytes(store, layout::cluster_identity_key()), before);
  EXPECT_FALSE(std::filesystem::exists(b + "/pg_wal/.wal-e/identity"));

  // Same system identifier, other major version (pg_upgrade --link reusing the prefix): refused too.
  auto c = make_data_dir(tmp.path() + "/c", kSysidA, "16");
  EXPECT_EQ(code_of([&] {
              check_identity_for_push(store, write_segment(c + "/pg_wal/000000010000000000000009", kSysidA));
            }),
            ErrorCode::Conflict);
}

TEST(ArchiveIdentity, BackupPushOfAnotherClusterIsRefused) {
  test::TempDir tmp;
  store::MemoryStore store;
  auto a = make_data_dir(tmp.path() + "/a", kSysidA);
  check_identity_for_backup(store, a);  // nothing recorded yet: nothing to refuse
  EXPECT_FALSE(read_archive_identity(store));
  check_identity_for_push(store, write_segment(a + "/pg_wal/000000010000000000000001", kSysidA));
  check_identity_for_backup(store, a);
  auto b = make_data_dir(tmp.path() + "/b", kSysidB);
  EXPECT_EQ(code_of([&] { check_identity_for_backup(store, b); }), ErrorCode::Conflict);
}

TEST(ArchiveIdentity, FetchIntoAnotherClustersDataDirectoryStopsRecovery) {
  test::TempDir tmp;
  store::MemoryStore store;
  check_identity_for_push(store,
                          write_segment(make_data_dir(tmp.path() + "/a", kSysidA) + "/pg_wal/000000010000000000000001",
                                        kSysidA));
  auto b = make_data_dir(tmp.path() + "/b", kSysidB);
  try {
    check_identity_for_fetch(store, b + "/pg_wal/RECOVERYXLOG");
    FAIL() << "wal-fetch into another cluster was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
    EXPECT_GT(restore_exit_status(e.code()), 125);
  }
}

// "Not in the archive" ends recovery; it is trusted only from the archive
// this data directory has been reading. One that lost the identity object
// verified earlier (an unmounted file system leaves an empty directory at the
// archive root) stops recovery instead.
TEST(ArchiveIdentity, AnArchiveThatLostItsIdentityCannotEndRecovery) {
  test::TempDir tmp;
  store::MemoryStore store;
  check_identity_for_push(store,
                          write_segment(make_data_dir(tmp.path() + "/a", kSysidA) + "/pg_wal/000000010000000000000001",
                                        kSysidA));
  auto restored = make_data_dir(tmp.path() + "/restored", kSysidA);
  const std::string dest = restored + "/pg_wal/RECOVERYXLOG";
  ASSERT_TRUE(check_identity_for_fetch(store, dest));  // verified and cached
  EXPECT_NO_THROW(check_absence_is_trustworthy(store, dest));

  std::string key = layout::cluster_identity_key();
  store.remove(std::span<const std::string>(&key, 1));
  EXPECT_TRUE(check_identity_for_fetch(store, dest)) << "the cache answers without a request";
  try {
    check_absence_is_trustworthy(store, dest);
    FAIL() << "an archive without its identity object was trusted to lack a WAL file";
  } catch (const Error& e) {
    EXPECT_GT(restore_exit_status(e.code()), 125) << e.message();
    EXPECT_NE(e.message().find("lost its identity object"), std::string::npos) << e.message();
  }
  // A data directory that never verified an identity here (WAL-E's archives have none): no request, trusted.
  auto fresh = make_data_dir(tmp.path() + "/fresh", kSysidA);
  EXPECT_NO_THROW(check_absence_is_trustworthy(store, fresh + "/pg_wal/RECOVERYXLOG"));
}

TEST(ArchiveIdentity, FetchedSegmentOfAnotherClusterIsRemovedAndRefused) {
  test::TempDir tmp;
  auto dest = write_segment(tmp.path() + "/RECOVERYXLOG", kSysidB);
  layout::ClusterIdentity expected{kSysidA, "15", k16M};
  EXPECT_EQ(code_of([&] { check_fetched_segment("000000010000000000000001", dest, expected, "here"); }),
            ErrorCode::Conflict);
  EXPECT_FALSE(std::filesystem::exists(dest));
  // Its own segment passes; so does a .history file (no page header).
  dest = write_segment(tmp.path() + "/RECOVERYXLOG", kSysidA);
  check_fetched_segment("000000010000000000000001", dest, expected, "here");
  check_fetched_segment("00000002.history", dest, layout::ClusterIdentity{kSysidB, {}, 0}, "here");
  EXPECT_TRUE(std::filesystem::exists(dest));
}

// A segment stored under another segment's name (an object renamed or
// copied by hand, a store serving the wrong object): its first page's address
// is not the name's. PostgreSQL would read "unexpected pageaddr" as the end of
// WAL and could end recovery early; wal-fetch refuses it (exit 255).
TEST(ArchiveIdentity, FetchedSegmentUnderAnotherSegmentsNameIsRemovedAndRefused) {
  test::TempDir tmp;
  layout::ClusterIdentity expected{kSysidA, "15", k16M};
  auto dest = write_segment(tmp.path() + "/RECOVERYXLOG", kSysidA, k16M, /*segno=*/0x22);
  try {
    check_fetched_segment("000000010000000000000021", dest, expected, "here");
    FAIL() << "segment 22 was accepted as segment 21";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    EXPECT_GT(restore_exit_status(e.code()), 125) << "it must stop recovery, never end it";
    EXPECT_NE(e.message().find("000000010000000000000021"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(std::filesystem::exists(dest));
  // Its own name passes, on any timeline and in a later log (0x100 segments of 16 MiB per log).
  dest = write_segment(tmp.path() + "/RECOVERYXLOG", kSysidA, k16M, 0x22);
  check_fetched_segment("000000030000000000000022", dest, expected, "here");
  dest = write_segment(tmp.path() + "/RECOVERYXLOG", kSysidA, k16M, 0x1FF);
  check_fetched_segment("0000000100000001000000FF", dest, expected, "here");
  EXPECT_TRUE(std::filesystem::exists(dest));
}

TEST(ArchiveIdentity, WalEArchiveWithoutIdentityIsFetchedFrom) {
  store::LocalStore store(std::string(WALE_TESTDATA_DIR) + "/wal-e-archive");
  test::TempDir tmp;
  // Restoring WAL-E's cluster: no identity object, segments match pg_control.
  auto data = make_data_dir(tmp.path() + "/restored", kWalESysid);
  std::string dest = data + "/pg_wal/RECOVERYXLOG";
  auto expected = check_identity_for_fetch(store, dest);
  ASSERT_TRUE(wal_fetch(store, "000000010000000000000003", dest, codec::Codec::Lzop));
  check_fetched_segment("000000010000000000000003", dest, expected, "fixture");
  EXPECT_EQ(std::filesystem::file_size(dest), k16M);
  EXPECT_FALSE(read_archive_identity(store));

  // Into another cluster's data directory, the segment's header gives it away.
  auto other = make_data_dir(tmp.path() + "/other", kSysidB);
  std::string dest2 = other + "/pg_wal/RECOVERYXLOG";
  auto expected2 = check_identity_for_fetch(store, dest2);
  ASSERT_TRUE(wal_fetch(store, "000000010000000000000003", dest2, codec::Codec::Lzop));
  EXPECT_EQ(code_of([&] { check_fetched_segment("000000010000000000000003", dest2, expected2, "fixture"); }),
            ErrorCode::Conflict);
}

TEST(ArchiveIdentity, PushToAWalEArchiveRecordsTheIdentity) {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp.path() + "/archive/wal_005");
  std::filesystem::copy(std::string(WALE_TESTDATA_DIR) + "/wal-e-archive/wal_005", tmp.path() + "/archive/wal_005",
                        std::filesystem::copy_options::recursive);
  store::LocalStore store(tmp.path() + "/archive");
  auto data = make_data_dir(tmp.path() + "/data", kWalESysid);
  check_identity_for_push(store, write_segment(data + "/pg_wal/000000010000000000000005", kWalESysid));
  auto id = read_archive_identity(store);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->system_identifier, kWalESysid);
}

// Random bytes have XLP_LONG_HEADER set half of the time: they must not be
// taken for a cluster's segment (a random "system identifier" would be
// recorded or refused).
TEST(ArchiveIdentity, RandomBytesAreNotASegmentHeader) {
  test::TempDir tmp;
  store::MemoryStore store;
  std::filesystem::create_directories(tmp.path() + "/wal");
  std::string path = tmp.path() + "/wal/000000010000000000000001";
  std::string junk(64 * 1024, '\x5a');
  junk[2] = 0x03;  // XLP_LONG_HEADER set
  std::ofstream(path, std::ios::binary) << junk;
  EXPECT_FALSE(push_identity(path));
  check_identity_for_push(store, path);
  EXPECT_FALSE(read_archive_identity(store));
  check_fetched_segment("000000010000000000000001", path, layout::ClusterIdentity{kSysidA, "15", k16M}, "x");
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(ArchiveIdentity, OutsideADataDirectoryThereIsNothingToCompare) {
  test::TempDir tmp;
  store::MemoryStore store;
  std::filesystem::create_directories(tmp.path() + "/x/y");
  std::ofstream(tmp.path() + "/x/y/000000010000000000000001") << "not a segment";
  check_identity_for_push(store, tmp.path() + "/x/y/000000010000000000000001");
  EXPECT_FALSE(read_archive_identity(store));
  EXPECT_FALSE(check_identity_for_fetch(store, tmp.path() + "/x/y/dest"));
}

// backup-push's last check before its sentinel: the archived stop segment is this cluster's.
TEST(ArchiveIdentity, ArchivedSegmentOwnerIsChecked) {
  test::TempDir dir;
  store::MemoryStore s;
  const std::string name = "000000010000000000000003";
  std::ifstream in(write_segment(dir.path() + "/seg", kSysidA), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  store::put_bytes(s, layout::wal_key(name, codec::Codec::None), bytes);
  WalArchive wal(s);
  EXPECT_NO_THROW(check_archived_segment_owner(wal, name, std::to_string(kSysidA)));
  EXPECT_EQ(code_of([&] { check_archived_segment_owner(wal, name, std::to_string(kSysidB)); }), ErrorCode::Conflict);
  EXPECT_EQ(code_of([&] { check_archived_segment_owner(wal, "000000010000000000000004", std::to_string(kSysidA)); }),
            ErrorCode::Conflict);
}

// restore_command exits 1 ("not in the archive", which ends recovery) for an
// Error{NotFound}: the identity check before a fetch must never throw one --
// a store answering 404 to a GET after its listing said the object is there,
// or a driver reporting a missing bucket so, is a failure like any other.
TEST(ArchiveIdentity, ANotFoundFromTheStoreDuringTheFetchCheckNeverEndsRecovery) {
  test::TempDir tmp;
  store::MemoryStore base;
  check_identity_for_push(base,
                          write_segment(make_data_dir(tmp.path() + "/a", kSysidA) + "/pg_wal/000000010000000000000001",
                                        kSysidA));
  auto restored = make_data_dir(tmp.path() + "/restored", kSysidA);
  test::FaultInjectingStore store(base);
  using Op = test::FaultInjectingStore::Op;
  for (Op op : {Op::Get, Op::Read}) {
    SCOPED_TRACE(static_cast<int>(op));
    store.clear_faults();
    store.fail(op, ErrorCode::NotFound, "*", 0);
    try {
      check_identity_for_fetch(store, restored + "/pg_wal/RECOVERYXLOG");
      ADD_FAILURE() << "the identity check passed although the store failed";
    } catch (const Error& e) {
      EXPECT_GT(restore_exit_status(e.code()), 125) << to_string(e.code()) << ": " << e.message();
    }
  }
}

// The same for the look that decides whether "not in the archive" can be trusted.
TEST(ArchiveIdentity, ANotFoundFromTheStoreDuringTheAbsenceCheckNeverEndsRecovery) {
  test::TempDir tmp;
  store::MemoryStore base;
  check_identity_for_push(base,
                          write_segment(make_data_dir(tmp.path() + "/a", kSysidA) + "/pg_wal/000000010000000000000001",
                                        kSysidA));
  const std::string dest = make_data_dir(tmp.path() + "/restored", kSysidA) + "/pg_wal/RECOVERYXLOG";
  ASSERT_TRUE(check_identity_for_fetch(base, dest));  // verified and cached
  test::FaultInjectingStore store(base);
  store.fail(test::FaultInjectingStore::Op::Stat, ErrorCode::NotFound, "*", 0);
  try {
    check_absence_is_trustworthy(store, dest);
    ADD_FAILURE() << "the absence check passed although the store failed";
  } catch (const Error& e) {
    EXPECT_GT(restore_exit_status(e.code()), 125) << to_string(e.code()) << ": " << e.message();
  }
}

}  // namespace
}  // namespace wale::archive
