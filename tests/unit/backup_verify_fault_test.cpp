// backup-verify over FaultInjectingStore: damage is reported as a problem
// (the backup is not OK), a storage failure is thrown (never reported as
// "OK" nor as damage), and a backup made by backup-push verifies clean.
#include <gtest/gtest.h>

#include "backup/backup_push.h"
#include "catalog/backup_catalog.h"
#include "catalog/backup_verify.h"
#include "core/error.h"
#include "io/filter_streams.h"
#include "layout/archive_layout.h"
#include "layout/backup_manifest.h"
#include "store/memory/memory_store.h"
#include "tar/tar_reader.h"
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

// What the manifest says about each file is checked against what is stored,
// with the file named: a size differs (the stored size is given), a CRC
// differs; the file count is of distinct files found. Without a manifest
// (WAL-E's backups) the files are still counted.
TEST_F(BackupVerifyFaults, SizeAndChecksumMismatchesNameTheFile) {
  auto key = layout::backup_manifest_key(name);
  auto original = store::get_bytes(base, key);
  ASSERT_TRUE(original);
  layout::Manifest m = layout::parse_manifest(*original);
  ASSERT_GE(m.files.size(), 3u);
  auto clean = verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean.files, m.files.size() + 1);  // + backup_manifest itself
  auto files = m.files;
  std::size_t a = 0, b = 1;
  while (files[a].size == 0) ++a;
  b = a + 1;
  files[a].size += 1;
  files[b].crc32c = files[b].crc32c.value_or(0) ^ 1u;
  layout::ManifestBuilder builder;
  for (const auto& f : files) builder.add(f);
  store::put_bytes(base, key, builder.render(m.wal_ranges.front()), {"application/json"});
  auto r = verify();
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].location, files[a].path);
  EXPECT_EQ(r.problems[0].what,
            "size " + std::to_string(m.files[a].size) + " but the manifest says " + std::to_string(files[a].size));
  EXPECT_EQ(r.problems[1].location, files[b].path);
  EXPECT_EQ(r.problems[1].what, "checksum mismatch: the file's content is damaged");
  EXPECT_EQ(r.files, clean.files);

  std::vector<std::string> gone{key};
  base.remove(gone);
  auto bare = verify();
  EXPECT_FALSE(bare.has_manifest);
  EXPECT_EQ(bare.files, clean.files);
  EXPECT_TRUE(bare.ok()) << (bare.problems.empty() ? "" : bare.problems.front().what);
}

// A damaged partition is reported, and every file it holds counts as absent
// (a restore stops there), even those read intact before the damage (here:
// all of them; the partition lacks its last byte).
TEST_F(BackupVerifyFaults, TheFilesOfADamagedPartitionCountAsAbsent) {
  // The partition holding the most files the manifest lists.
  std::vector<std::string> in_part;
  std::uint32_t damaged = 0;
  for (std::uint32_t n = 0; base.stat(part(n)); ++n) {
    std::vector<std::string> names;
    io::FilterSource source(codec::make_decompressor(codec::Codec::Zstd), base.get(part(n)));
    tar::TarReader reader(source);
    while (auto e = reader.next()) {
      if (e->type == tar::Entry::Type::File && e->path != "backup_manifest") names.push_back(e->path);
    }
    if (names.size() > in_part.size()) {
      in_part = names;
      damaged = n;
    }
  }
  ASSERT_GE(in_part.size(), 2u);
  faults.truncate_reads(part(damaged), base.stat(part(damaged))->size - 1);  // every file read whole first
  auto r = verify();
  ASSERT_FALSE(r.ok());
  for (const auto& path : in_part) {
    bool absent = false;
    for (const auto& p : r.problems)
      absent |= p.location == path && p.what == "in the manifest but in no tar partition";
    EXPECT_TRUE(absent) << path;
  }
}

}  // namespace
}  // namespace wale::catalog
