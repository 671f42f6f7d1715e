// backup-verify over FaultInjectingStore: damage is reported as a problem
// (the backup is not OK), a storage failure is thrown (never reported as
// "OK" nor as damage), and a backup made by backup-push verifies clean.
#include <gtest/gtest.h>

#include "backup/backup_push.h"
#include "catalog/backup_catalog.h"
#include "catalog/backup_verify.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/backup_manifest.h"
#include "store/memory/memory_store.h"
#include "test_support/fake_backup_server.h"
#include "test_support/fake_clock.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/temp_dir.h"

namespace wale::catalog {
namespace {
using backup::backup_push;
using backup::BackupPushOptions;

using test::FaultInjectingStore;
using Op = FaultInjectingStore::Op;

class BackupVerifyFaults : public ::testing::Test {
 protected:
  BackupVerifyFaults() {
    test::make_fake_data_directory(dir.path() + "/pgdata");
    test::FakeBackupServer server(base, dir.path() + "/pgdata");
    BackupPushOptions opts;
    opts.data_directory = dir.path() + "/pgdata";
    opts.partition_size = 16 * 1024;
    name = backup_push(base, opts, server, std::make_shared<test::FakeClock>()).name;
  }
  BackupVerifyReport verify() {
    return verify_backup(faults, resolve_backup(faults, layout::BackupQuery::parse("LATEST")), 2);
  }
  std::string part(std::uint32_t n) const { return layout::partition_key(name, n, codec::Codec::Zstd); }

  test::TempDir dir;
  store::MemoryStore base;
  FaultInjectingStore faults{base};
  layout::BackupName name;
};

TEST_F(BackupVerifyFaults, ABackupMadeByPushVerifiesClean) {
  auto r = verify();
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems.front().location + ": " + r.problems.front().what);
  EXPECT_TRUE(r.has_manifest);
  EXPECT_GE(r.partitions, 4u);
  EXPECT_EQ(r.wal_segments, 2u);
}

TEST_F(BackupVerifyFaults, DamageIsAProblemNotOk) {
  auto size = base.stat(part(1))->size;
  faults.corrupt_reads(part(1), size / 2);
  EXPECT_FALSE(verify().ok());
  faults.clear_faults();
  faults.truncate_reads(part(2), base.stat(part(2))->size - 1);
  EXPECT_FALSE(verify().ok());
  faults.clear_faults();
  std::vector<std::string> gone{part(0)};
  base.remove(gone);
  auto r = verify();
  ASSERT_FALSE(r.ok());
  bool named = false;
  for (const auto& p : r.problems) named |= p.what.find("tar partition 0 is missing") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST_F(BackupVerifyFaults, AStorageFailureIsThrownNotReported) {
  for (Op op : {Op::Get, Op::Read, Op::List}) {
    SCOPED_TRACE(test::to_string(op));
    faults.clear_faults();
    faults.fail(op, ErrorCode::Transient, op == Op::List ? "*tar_partitions/" : "*/tar_partitions/*", 1);
    try {
      auto r = verify();
      ADD_FAILURE() << "verify returned (" << (r.ok() ? "OK" : "damaged") << ") through a storage failure";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Transient) << e.message();
    }
  }
}

// The manifest check both ways: a file the manifest lists that no partition
// holds, and a stored file the manifest does not list, are problems naming
// the file. (The manifest is rewritten with a valid checksum, as a buggy
// writer would leave it, so only these checks can catch it.)
TEST_F(BackupVerifyFaults, ManifestAndPartitionsMustListTheSameFiles) {
  auto key = layout::backup_manifest_key(name);
  auto original = store::get_bytes(base, key);
  ASSERT_TRUE(original);
  layout::Manifest m = layout::parse_manifest(*original);
  ASSERT_GE(m.files.size(), 2u);
  auto rewrite = [&](const std::vector<layout::ManifestFile>& files) {
    layout::ManifestBuilder b;
    for (const auto& f : files) b.add(f);
    store::put_bytes(base, key, b.render(m.wal_ranges.front()), {"application/json"});
  };
  auto has = [](const BackupVerifyReport& r, const std::string& path, const std::string& what) {
    for (const auto& p : r.problems) {
      if (p.location == path && p.what.find(what) != std::string::npos) return true;
    }
    return false;
  };

  auto files = m.files;
  files.push_back({"base/1/ghost", 10, 0, std::nullopt});
  rewrite(files);
  auto r = verify();
  EXPECT_TRUE(has(r, "base/1/ghost", "in the manifest but in no tar partition"));

  files = m.files;
  std::string dropped = files.back().path;
  files.pop_back();
  rewrite(files);
  r = verify();
  EXPECT_TRUE(has(r, dropped, "in a tar partition but not in the manifest")) << dropped;

  rewrite(m.files);
  EXPECT_TRUE(verify().ok());
}

}  // namespace
}  // namespace wale::catalog
