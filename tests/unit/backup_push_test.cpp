// backup-push orchestration without PostgreSQL: a FakeBackupServer stands in
// for pg_backup_start/stop, the memory store (behind the fault-injecting
// decorator) for the archive, and the fake clock for time. The sentinel is
// the backup's existence: every failure before it must leave no sentinel and
// no partial object, and what it vouches for must restore byte for byte.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backup/backup_fetch.h"
#include "backup/backup_push.h"
#include "catalog/backup_catalog.h"
#include "codec/crc32c.h"
#include "core/error.h"
#include "core/stop_token.h"
#include "layout/archive_layout.h"
#include "layout/backup_manifest.h"
#include "store/memory/memory_store.h"
#include "test_support/fake_backup_server.h"
#include "test_support/fake_clock.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::backup {
namespace {

using test::FaultInjectingStore;
using Op = FaultInjectingStore::Op;
using catalog::list_backups;
using layout::parse_manifest;

// Every regular file below dir (relative path -> content).
std::map<std::string, std::string> read_tree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_symlink() || !e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[std::filesystem::relative(e.path(), dir).string()] = ss.str();
  }
  return out;
}

class BackupPush : public ::testing::Test {
 protected:
  BackupPush() : faults(base), server(base, dir.path() + "/pgdata") {
    files = test::make_fake_data_directory(dir.path() + "/pgdata");
    opts.data_directory = dir.path() + "/pgdata";
    opts.partition_size = 16 * 1024;  // several partitions from a small directory
    opts.pool_size = 2;
    opts.archive_wait_seconds = 600;
  }
  BackupPushResult push() { return backup_push(faults, opts, server, clock); }
  // Nothing a restore or a listing could take for a backup.
  void expect_no_backup() {
    EXPECT_TRUE(list_backups(base, false).empty());
    base.list("basebackups_005/",
              [](const store::ObjectInfo& o) { EXPECT_EQ(o.key.find("sentinel"), std::string::npos) << o.key; });
  }
  std::vector<std::string> keys(const std::string& prefix) {
    std::vector<std::string> out;
    base.list(prefix, [&](const store::ObjectInfo& o) { out.push_back(o.key); });
    return out;
  }

  test::TempDir dir;
  store::MemoryStore base;
  FaultInjectingStore faults;
  test::FakeBackupServer server;
  std::shared_ptr<test::FakeClock> clock = std::make_shared<test::FakeClock>();
  BackupPushOptions opts;
  std::map<std::string, std::string> files;
};

TEST_F(BackupPush, WritesEveryPartitionThenTheSentinelAndRestoresByteForByte) {
  auto result = push();
  EXPECT_EQ(server.starts, 1);
  EXPECT_EQ(server.stops, 1);
  EXPECT_TRUE(server.fast_checkpoint);
  EXPECT_EQ(server.label.rfind("freeze_start_2026-01-01T00:00:00", 0), 0u) << server.label;
  EXPECT_EQ(result.name.segment, server.start_file());

  auto sentinel_json = store::get_bytes(base, layout::sentinel_key(result.name));
  ASSERT_TRUE(sentinel_json);
  auto s = layout::Sentinel::parse(*sentinel_json);
  EXPECT_EQ(s.wal_segment_backup_start, server.start_file());
  EXPECT_EQ(s.wal_segment_backup_stop, server.stop_file());
  EXPECT_EQ(s.system_identifier, std::to_string(test::kFakeSystemIdentifier));
  EXPECT_EQ(s.start_time.rfind("2026-01-01T00:00:00", 0), 0u) << s.start_time;
  // Files in the tar partitions: every planned file plus backup_label and backup_manifest.
  EXPECT_EQ(s.file_count, files.size() + 2);
  ASSERT_TRUE(s.partition_count);
  EXPECT_GE(*s.partition_count, 4u) << "16 KiB partitions of ~90 KB of files";
  EXPECT_EQ(keys(layout::partitions_prefix(result.name)).size(), *s.partition_count);
  std::uint64_t expanded = 0;
  for (const auto& [rel, content] : files) expanded += content.size();
  EXPECT_EQ(s.expanded_size_bytes, expanded);
  EXPECT_TRUE(base.stat(layout::extended_version_key(result.name)));

  // The manifest lists every file (and backup_label) with its size.
  auto manifest = parse_manifest(*store::get_bytes(base, layout::backup_dir(result.name) + "backup_manifest"));
  std::map<std::string, std::uint64_t> listed;
  for (const auto& f : manifest.files) listed[f.path] = f.size;
  for (const auto& [rel, content] : files) EXPECT_EQ(listed[rel], content.size()) << rel;
  EXPECT_TRUE(listed.count("backup_label"));
  EXPECT_FALSE(listed.count("postmaster.pid"));

  std::string target = dir.path() + "/restore";
  BackupFetchOptions fo;
  fo.target = target;
  fo.query = layout::BackupQuery::parse("LATEST");
  auto fetched = backup_fetch(base, fo);
  EXPECT_EQ(fetched.name, result.name.str());
  auto restored = read_tree(target);
  for (const auto& [rel, content] : files) {
    ASSERT_TRUE(restored.count(rel)) << rel << " was not restored";
    EXPECT_TRUE(restored[rel] == content) << rel << " differs";
  }
  EXPECT_TRUE(restored.count("backup_label"));
  EXPECT_EQ(restored.count("postmaster.pid"), 0u);
  EXPECT_EQ(restored.count("pg_wal/000000010000000000000001"), 0u);
  EXPECT_EQ(restored.count(".wal-e-restore-in-progress"), 0u);
  EXPECT_TRUE(std::filesystem::is_directory(target + "/pg_wal/archive_status"));
}

// Whichever upload fails -- the version file, a data partition (mid-stream or
// at its finish), the manifest, the last partition, the sentinel itself --
// the push fails with that error and no backup exists: no sentinel, and the
// failing object itself is not visible.
TEST_F(BackupPush, AnUploadFailingAnywhereLeavesNoSentinelAndNoPartialObject) {
  struct Case {
    Op op;
    std::string pattern;
    std::size_t nth;
  };
  const std::vector<Case> cases{
      {Op::Finish, "*/extended_version.txt", 1},
      {Op::Write, "*/tar_partitions/part_*", 3},
      {Op::Finish, "*/tar_partitions/part_00000001.tar.zst", 1},
      {Op::Put, "*/tar_partitions/part_*", 3},
      {Op::Finish, "*/backup_manifest", 1},
      {Op::Finish, "*_backup_stop_sentinel.json", 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(test::to_string(c.op)) + " " + c.pattern);
    store::MemoryStore fresh;
    FaultInjectingStore s(fresh);
    test::FakeBackupServer srv(fresh, opts.data_directory);
    s.fail(c.op, ErrorCode::Transient, c.pattern, c.nth);
    try {
      backup_push(s, opts, srv, clock);
      ADD_FAILURE() << "the push succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Transient);
      EXPECT_NE(e.message().find("injected fault"), std::string::npos) << e.message();
    }
    EXPECT_EQ(s.faults_fired(), 1u);
    EXPECT_TRUE(list_backups(fresh, false).empty());
    fresh.list("", [&](const store::ObjectInfo& o) { EXPECT_EQ(o.key.find("sentinel"), std::string::npos) << o.key; });
    ASSERT_EQ(s.fired_keys().size(), 1u);
    EXPECT_FALSE(fresh.stat(s.fired_keys().front())) << "a failed upload is visible";
  }
}

// The WAL a backup needs never arrives (a broken archive_command): after the
// configured wait, on the fake clock, the push fails naming the segment.
TEST_F(BackupPush, WalNeverArchivedFailsAfterTheWaitWithoutSentinel) {
  server.archive_on_stop = false;
  try {
    push();
    FAIL() << "the push succeeded without its WAL";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(e.message().find(server.start_file()), std::string::npos) << e.message();
  }
  EXPECT_GE(clock->slept(), std::chrono::seconds(600));
  EXPECT_LT(clock->slept(), std::chrono::seconds(602));
  expect_no_backup();
}

// The WAL a backup needs counts under any codec (archive_command may use
// another compression than backup-push, or be WAL-E's .lzo).
TEST_F(BackupPush, WalArchivedUnderAnotherCodecCounts) {
  server.wal_codec = codec::Codec::Lzop;
  opts.codec = codec::Codec::Lz4;
  auto result = push();
  EXPECT_TRUE(base.stat(layout::sentinel_key(result.name)));
}

// Only the stop segment is missing (archived up to the one before).
TEST_F(BackupPush, TheStopSegmentMissingFailsWithoutSentinel) {
  server.archive_on_stop = false;
  server.on_stop = [&] { test::archive_fake_segment(base, server.start_file(), test::kFakeSystemIdentifier); };
  try {
    push();
    FAIL() << "the push succeeded without its stop segment";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(e.message().find(server.stop_file()), std::string::npos) << e.message();
  }
  expect_no_backup();
}

// Two clusters on one prefix: the archived stop segment is another cluster's.
TEST_F(BackupPush, AStopSegmentOfAnotherClusterFailsWithoutSentinel) {
  server.wal_system_identifier = test::kFakeSystemIdentifier + 1;
  try {
    push();
    FAIL() << "the push vouched for another cluster's WAL";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict);
    EXPECT_NE(e.message().find("another cluster"), std::string::npos) << e.message();
  }
  expect_no_backup();
}

// Refused before a backup is started: a standby, a server that does not
// archive, a data directory that is not the server's.
TEST_F(BackupPush, RefusesBeforeStartingWhenTheServerCannotBeBackedUp) {
  // (A standby is backed up since --while-offline and standby backups were
  // built; its primary archives: integration.standby_backup.)
  server.info.archiving = false;
  try {
    push();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config);
  }
  server.info.archiving = true;
  server.info.system_identifier = "1";
  try {
    push();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
  }
  EXPECT_EQ(server.starts, 0);
  EXPECT_EQ(faults.calls(Op::Put), 0u);
}

// A failure after pg_backup_start still ends the backup: nothing is stopped
// (PostgreSQL aborts a non-exclusive backup when its session goes), and the
// stop is never reported as if it had succeeded.
TEST_F(BackupPush, APartitionFailureNeverReachesTheStop) {
  faults.fail(Op::Finish, ErrorCode::Remote, "*/tar_partitions/*", 1);
  try {
    push();
    FAIL() << "the push succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Remote) << e.message();
  }
  EXPECT_EQ(server.starts, 1);
  EXPECT_EQ(server.stops, 0);
  expect_no_backup();
}

// The store acknowledges a partition and then loses it (an unsynced write
// lost in a crash, a misbehaving S3-compatible server): the sentinel must
// not vouch for it. Likewise when it keeps a shorter object.
TEST_F(BackupPush, APartitionLostAfterItsUploadIsNotVouchedFor) {
  opts.permanent = true;
  faults.drop_writes("*/tar_partitions/part_00000001.*");
  try {
    push();
    FAIL() << "the sentinel vouches for a lost partition";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("tar partition 1"), std::string::npos) << e.message();
  }
  expect_no_backup();
  base.list("", [](const store::ObjectInfo& o) {
    EXPECT_EQ(o.key.find("permanent"), std::string::npos) << "a failed backup was marked permanent: " << o.key;
  });
}

// SIGTERM at any point of a push (process StopToken): Error{Cancelled}, and
// no sentinel.
class BackupPushStopped : public BackupPush {
 protected:
  void SetUp() override { process_stop_token().reset(); }
  void TearDown() override { process_stop_token().reset(); }
  void expect_cancelled() {
    try {
      push();
      ADD_FAILURE() << "the push ignored the stop request";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Cancelled) << e.message();
    }
    process_stop_token().reset();
    expect_no_backup();
  }
};

TEST_F(BackupPushStopped, DuringAPartitionUpload) {
  faults.on_write = [](const std::string& key) {
    if (key.find("/tar_partitions/") != std::string::npos) process_stop_token().request(SIGTERM);
  };
  expect_cancelled();
  EXPECT_EQ(server.stops, 0);
}

TEST_F(BackupPushStopped, AtTheStop) {
  server.on_stop = [] { process_stop_token().request(SIGTERM); };
  expect_cancelled();
}

// The wait for WAL is cut short: Cancelled at once, not NotFound after
// the whole archive timeout.
TEST_F(BackupPushStopped, WhileWaitingForWal) {
  server.archive_on_stop = false;
  server.on_stop = [] { process_stop_token().request(SIGTERM); };
  expect_cancelled();
  EXPECT_LT(clock->slept(), std::chrono::seconds(5));
}

TEST_F(BackupPushStopped, JustBeforeTheSentinel) {
  faults.after_finish = [](const std::string& key) {
    if (key.find("backup_manifest") != std::string::npos) process_stop_token().request(SIGINT);
  };
  expect_cancelled();
}

// A pg_control of version 1300 (PostgreSQL 13 to 16) for the fake cluster:
// a standby rewrites it in place at every minRecoveryPoint advance.
std::string control_file_1300(std::uint32_t state, bool good_crc) {
  std::string b(8192, '\0');
  auto put32 = [&](std::size_t off, std::uint32_t v) { std::memcpy(b.data() + off, &v, sizeof v); };
  auto put64 = [&](std::size_t off, std::uint64_t v) { std::memcpy(b.data() + off, &v, sizeof v); };
  put64(0, test::kFakeSystemIdentifier);
  put32(8, 1300);
  put32(16, state);
  put64(32, 0x1500718);   // checkPoint
  put64(40, 0x1500700);   // checkPointCopy.redo
  put32(48, 1);           // checkPointCopy.ThisTimeLineID
  put64(136, 0x2000100);  // minRecoveryPoint
  put32(144, 1);
  put32(224, 8192);
  put32(228, 16U << 20);
  auto crc = codec::crc32c(std::span<const std::byte>(reinterpret_cast<const std::byte*>(b.data()), 288));
  put32(288, good_crc ? crc : crc ^ 0x5a5a5a5aU);
  return b;
}

// The copied pg_control fails its checksum (a read torn by the server's
// in-place rewrite, which a standby does all the time): a restore of that
// copy would stop at "incorrect checksum in control file", so no sentinel.
// A copy whose checksum holds is backed up as before.
TEST_F(BackupPush, ACopiedPgControlThatFailsItsChecksumGetsNoSentinel) {
  std::ofstream(opts.data_directory + "/global/pg_control", std::ios::binary | std::ios::trunc)
      << control_file_1300(6, false);
  try {
    push();
    FAIL() << "the sentinel vouches for a pg_control that fails its checksum";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    EXPECT_NE(e.message().find("pg_control"), std::string::npos) << e.message();
  }
  EXPECT_EQ(server.stops, 0) << "the backup was stopped as if whole";
  expect_no_backup();
  std::ofstream(opts.data_directory + "/global/pg_control", std::ios::binary | std::ios::trunc)
      << control_file_1300(6, true);
  auto result = push();
  EXPECT_TRUE(base.stat(layout::sentinel_key(result.name)));
}

// A standby made by pg_basebackup has its primary's system identifier: a
// backup-push given one of the two data directories but connected to the
// other (PGHOST naming the primary, or a service address, on the standby's
// host) would copy one cluster's files under the other's pg_backup_start and
// stop -- files older than the start checkpoint, replay from the wrong
// point: a silently corrupt restore. The directory's pg_control tells a
// primary ("in production") from a standby ("in archive recovery").
TEST_F(BackupPush, ADataDirectoryOfAnotherRoleThanTheServerIsRefusedBeforeStarting) {
  struct Case {
    bool server_in_recovery;
    std::uint32_t local_state;
  };
  for (const Case& c : {Case{false, 5}, Case{true, 6}}) {
    SCOPED_TRACE(c.server_in_recovery ? "a standby server, a primary's directory" : "a primary, a standby's directory");
    std::ofstream(opts.data_directory + "/global/pg_control", std::ios::binary | std::ios::trunc)
        << control_file_1300(c.local_state, true);
    server.info.in_recovery = c.server_in_recovery;
    try {
      push();
      ADD_FAILURE() << "the push copied one cluster's files under another's backup";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Usage) << e.message();
      EXPECT_NE(e.message().find("not the data directory of the server"), std::string::npos) << e.message();
    }
    EXPECT_EQ(server.starts, 0);
    expect_no_backup();
  }
  // Each with its own: backed up.
  server.info.in_recovery = false;
  std::ofstream(opts.data_directory + "/global/pg_control", std::ios::binary | std::ios::trunc)
      << control_file_1300(6, true);
  EXPECT_NO_THROW(push());
}

// Two backup-pushes of one name at once (a standby starts every backup at
// its last restartpoint: overlapping runs between two restartpoints share a
// name). The second removes the first's objects as an unfinished backup's
// and writes its own partitions under the same keys while the first still
// runs. Whatever each run ends with, a sentinel vouches only for partitions
// of its own run: a restore gives one run's files and that run's stop.
TEST_F(BackupPush, TwoPushesOfOneNameNeverMixTheirPartitions) {
  for (bool second_finishes : {true, false}) {
    SCOPED_TRACE(second_finishes ? "the second push finishes first" : "the second push fails after its partitions");
    store::MemoryStore shared;
    test::FakeBackupServer first(shared, opts.data_directory);
    std::string other_dir = dir.path() + (second_finishes ? "/other1" : "/other2");
    auto other_files = test::make_fake_data_directory(other_dir);
    std::ofstream(other_dir + "/base/5/16385", std::ios::trunc) << std::string(3000, 'B');
    other_files["base/5/16385"] = std::string(3000, 'B');
    test::FakeBackupServer second(shared, other_dir);
    second.stop_segno = 4;  // the sentinel tells whose stop it is
    if (!second_finishes) second.on_stop = [] { throw Error(ErrorCode::Postgres, "the second run's stop failed"); };
    BackupPushOptions other = opts;
    other.data_directory = other_dir;
    // The second run, all of it, while the first stops its backup (its data partitions are stored).
    bool second_ok = false;
    first.on_stop = [&] {
      try {
        backup_push(shared, other, second, clock);
        second_ok = true;
      } catch (const Error&) {
      }
    };
    bool first_ok = false;
    try {
      backup_push(shared, opts, first, clock);
      first_ok = true;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.message();
    }
    EXPECT_EQ(second_ok, second_finishes);
    auto listed = list_backups(shared, true);
    if (listed.empty()) {
      EXPECT_FALSE(first_ok);
      continue;
    }
    ASSERT_EQ(listed.size(), 1u);
    ASSERT_TRUE(listed[0].sentinel);
    std::string target = dir.path() + (second_finishes ? "/restore1" : "/restore2");
    BackupFetchOptions fo;
    fo.target = target;
    fo.query = layout::BackupQuery::parse("LATEST");
    backup_fetch(shared, fo);
    auto restored = read_tree(target);
    bool firsts_stop = listed[0].sentinel->wal_segment_backup_stop == first.stop_file();
    const auto& want = firsts_stop ? files : other_files;
    for (const auto& [rel, content] : want) {
      EXPECT_TRUE(restored[rel] == content)
          << rel << " is not the " << (firsts_stop ? "first" : "second") << " run's, whose stop the sentinel names";
    }
  }
}

// Another run of the same name finishes just after this one looked for its
// sentinel and before this one removes what looked like an unfinished
// backup's objects: they are that finished backup's, and are kept (this run
// is refused), so its sentinel never vouches for partitions removed or
// rewritten by this run.
TEST_F(BackupPush, AnUnfinishedBackupThatFinishesMeanwhileIsNotRemoved) {
  std::string other_dir = dir.path() + "/other";
  auto other_files = test::make_fake_data_directory(other_dir);
  std::ofstream(other_dir + "/base/5/16385", std::ios::trunc) << std::string(3000, 'B');
  other_files["base/5/16385"] = std::string(3000, 'B');
  test::FakeBackupServer other_server(base, other_dir);
  other_server.stop_segno = 4;
  BackupPushOptions other = opts;
  other.data_directory = other_dir;
  bool other_ran = false;
  faults.on_list = [&](const std::string& prefix) {
    if (other_ran || prefix.rfind("basebackups_005/base_", 0) != 0) return;
    other_ran = true;
    backup_push(base, other, other_server, clock);  // the other run, whole, finishes now
  };
  try {
    push();
    ADD_FAILURE() << "the push replaced a backup that finished meanwhile";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.message();
  }
  ASSERT_TRUE(other_ran);
  auto listed = list_backups(base, true);
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_TRUE(listed[0].sentinel);
  EXPECT_EQ(listed[0].sentinel->wal_segment_backup_stop, other_server.stop_file());
  BackupFetchOptions fo;
  fo.target = dir.path() + "/restore";
  fo.query = layout::BackupQuery::parse("LATEST");
  backup_fetch(base, fo);
  auto restored = read_tree(fo.target);
  for (const auto& [rel, content] : other_files) {
    EXPECT_TRUE(restored[rel] == content) << rel << " is not the finished backup's";
  }
}

TEST_F(BackupPush, PermanentMarkerIsWrittenBeforeTheSentinel) {
  opts.permanent = true;
  auto result = push();
  // The store's own record: partitions finish on several threads at once.
  std::vector<std::string> order = faults.finished_keys();
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order.back(), layout::sentinel_key(result.name));
  EXPECT_NE(order[order.size() - 2].find("permanent"), std::string::npos) << order[order.size() - 2];
}

}  // namespace
}  // namespace wale::backup
