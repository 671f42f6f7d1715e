#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "backup/backup_plan.h"
#include "test_support/temp_dir.h"

namespace wale::backup {
namespace {

void touch(const std::string& path, std::size_t size = 10) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << std::string(size, 'x');
}

std::set<std::string> names(const BackupPlan& plan) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < plan.entries.size(); ++i) out.insert(plan.entries.at(i).tar_name);
  return out;
}

TEST(BackupPlan, FollowsPostgresExclusions) {
  test::TempDir dir;
  std::string d = dir.path() + "/data";
  touch(d + "/PG_VERSION");
  touch(d + "/global/pg_control", 8192);
  touch(d + "/base/5/1259", 16384);
  touch(d + "/base/5/pg_internal.init");
  touch(d + "/base/pgsql_tmp/pgsql_tmp123.0");
  touch(d + "/pg_wal/000000010000000000000001", 1000);
  touch(d + "/pg_wal/archive_status/000000010000000000000001.ready", 0);
  touch(d + "/pg_replslot/slot/state");
  touch(d + "/pg_stat_tmp/global.stat");
  touch(d + "/pg_subtrans/0000");
  touch(d + "/pg_xact/0000");
  touch(d + "/postmaster.pid");
  touch(d + "/postmaster.opts");
  touch(d + "/backup_label");
  touch(d + "/tablespace_map");
  touch(d + "/postgresql.conf");
  touch(d + "/postgresql.auto.conf");
  auto plan = plan_backup(d);
  auto n = names(plan);
  for (const char* want :
       {"PG_VERSION", "global", "global/pg_control", "base/5/1259", "pg_wal", "pg_wal/archive_status", "pg_replslot",
        "pg_stat_tmp", "pg_subtrans", "pg_xact/0000", "postgresql.conf", "postgresql.auto.conf", "base/pgsql_tmp"}) {
    EXPECT_TRUE(n.count(want)) << "missing " << want;
  }
  for (const char* bad :
       {"base/5/pg_internal.init", "base/pgsql_tmp/pgsql_tmp123.0", "pg_wal/000000010000000000000001",
        "pg_wal/archive_status/000000010000000000000001.ready", "pg_replslot/slot", "pg_stat_tmp/global.stat",
        "pg_subtrans/0000", "postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map"}) {
    EXPECT_FALSE(n.count(bad)) << "included " << bad;
  }
  EXPECT_EQ(plan.spec.base_prefix, d + "/");
  EXPECT_TRUE(plan.spec.tablespaces.empty());
}

TEST(BackupPlan, TablespacesAreWalkedThroughTheLinkAndRecorded) {
  test::TempDir dir;
  std::string d = dir.path() + "/data";
  std::string ts = dir.path() + "/ts";
  touch(d + "/PG_VERSION");
  touch(ts + "/PG_15_202209061/5/16390", 100);
  std::filesystem::create_directories(d + "/pg_tblspc");
  ASSERT_EQ(::symlink(ts.c_str(), (d + "/pg_tblspc/16389").c_str()), 0);
  auto plan = plan_backup(d);
  auto n = names(plan);
  EXPECT_TRUE(n.count("pg_tblspc/16389/PG_15_202209061/5/16390"));
  ASSERT_EQ(plan.spec.tablespaces.size(), 1u);
  EXPECT_EQ(plan.spec.tablespaces[0].oid, "16389");
  EXPECT_EQ(plan.spec.tablespaces[0].loc, ts + "/");
  EXPECT_EQ(plan.spec.tablespaces[0].link, "pg_tblspc/16389");
  // Every entry is read from the data directory + its tar name (through the link).
  auto i = plan.entries.find_file("pg_tblspc/16389/PG_15_202209061/5/16390");
  ASSERT_TRUE(i);
  EXPECT_EQ(plan.entries.at(*i).source_path, d + "/pg_tblspc/16389/PG_15_202209061/5/16390");
  EXPECT_EQ(std::filesystem::file_size(plan.entries.at(*i).source_path), 100u);
}

// The compact list gives back every field it was given, symlink targets
// included; excluded entries keep their place but are in no partition, and
// the manifest's records (CRC, and the stored size and mtime) stick to the entry.
TEST(FileList, KeepsEveryFieldCompactly) {
  FileList list("/data");
  std::vector<PlannedEntry> given;
  for (int i = 0; i < 3000; ++i) {
    PlannedEntry e;
    e.type = i % 7 == 0    ? PlannedEntry::Type::Directory
             : i % 11 == 0 ? PlannedEntry::Type::Symlink
                           : PlannedEntry::Type::File;
    e.tar_name = "base/16384/" + std::string(static_cast<std::size_t>(i % 300), 'n') + std::to_string(i);
    e.size = e.type == PlannedEntry::Type::File ? static_cast<std::uint64_t>(i) * 8192 : 0;
    e.mode = i % 2 ? 0600 : 0755;
    e.mtime = 1700000000 + i;
    if (e.type == PlannedEntry::Type::Symlink) e.link_target = "/elsewhere/" + std::to_string(i);
    list.add(e);
    given.push_back(e);
  }
  ASSERT_EQ(list.size(), given.size());
  for (std::size_t i = 0; i < given.size(); ++i) {
    PlannedEntry e = list.at(i);
    ASSERT_EQ(e.type, given[i].type) << i;
    ASSERT_EQ(e.tar_name, given[i].tar_name) << i;
    ASSERT_EQ(e.source_path, "/data/" + given[i].tar_name) << i;
    ASSERT_EQ(e.size, given[i].size) << i;
    ASSERT_EQ(e.mode, given[i].mode) << i;
    ASSERT_EQ(e.mtime, given[i].mtime) << i;
    ASSERT_EQ(e.link_target, given[i].link_target) << i;
    ASSERT_FALSE(list.recorded(i));
  }
  EXPECT_EQ(list.find_file(given[1].tar_name), std::optional<std::size_t>(1));
  EXPECT_EQ(list.find_file(given[0].tar_name), std::nullopt);  // a directory
  list.exclude(1);
  auto parts = partition_plan(list, 1ULL << 40);
  ASSERT_EQ(parts.size(), 1u);
  std::uint64_t all = 0;
  for (std::size_t i = 0; i < given.size(); ++i) all += given[i].size;
  EXPECT_EQ(parts[0].bytes, all - given[1].size);
  list.record(2, 0xdeadbeefu);
  list.record(1, 42, 7, 0x1234u);
  EXPECT_TRUE(list.recorded(2));
  EXPECT_EQ(list.crc(2), 0xdeadbeefu);
  EXPECT_EQ(list.file_size(1), 42u);
  EXPECT_EQ(list.mtime(1), 7);
  EXPECT_EQ(list.crc(1), 0x1234u);
}

TEST(BackupPlan, PartitionsBySizeKeepingOrder) {
  FileList entries;
  for (int i = 0; i < 10; ++i) {
    PlannedEntry e;
    e.tar_name = "f" + std::to_string(i);
    e.size = i == 5 ? 1000 : 100;  // f5 is bigger than a partition: alone
    entries.add(e);
  }
  auto parts = partition_plan(entries, 250);
  std::size_t total = 0;
  std::string order;
  for (const auto& p : parts) {
    std::uint64_t bytes = 0;
    for (std::size_t i = p.begin; i < p.end; ++i) {
      bytes += entries.file_size(i);
      order += entries.at(i).tar_name;
    }
    EXPECT_EQ(bytes, p.bytes);
    EXPECT_TRUE(bytes <= 250 || p.end - p.begin == 1);
    total += p.end - p.begin;
  }
  EXPECT_EQ(total, 10u);
  EXPECT_EQ(order, "f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(parts.size(), 6u);  // [0,1] [2,3] [4] [5] [6,7] [8,9]
}

}  // namespace
}  // namespace wale::backup

#include "backup/backup_push.h"
#include "backup/progress.h"

namespace wale::backup {
namespace {

TEST(PartitionSize, BalancesAcrossWorkersWithinBounds) {
  const std::uint64_t MiB = 1 << 20;
  // 1.6 GB on 2 workers: about four partitions per worker.
  EXPECT_EQ(effective_partition_size(1024 * MiB, 1600 * MiB, 2), 200 * MiB);
  // Tiny cluster: never below 64 MiB...
  EXPECT_EQ(effective_partition_size(1024 * MiB, 30 * MiB, 8), 64 * MiB);
  // ...unless the operator asked for smaller partitions.
  EXPECT_EQ(effective_partition_size(8 * MiB, 30 * MiB, 8), 8 * MiB);
  // Huge cluster: the configured maximum wins.
  EXPECT_EQ(effective_partition_size(1024 * MiB, 1000000 * MiB, 2), 1024 * MiB);
}

TEST(Progress, LineShowsDoneTotalRateAndEta) {
  Progress p("backup-push x", 4 * 1024 * 1024, /*show=*/false);
  p.add(1024 * 1024);
  std::string line = p.line();
  EXPECT_NE(line.find("backup-push x: 1.0 MiB / 4.0 MiB (25%)"), std::string::npos) << line;
  EXPECT_NE(line.find("/s"), std::string::npos) << line;
  EXPECT_EQ(Progress::human(1536.0 * 1024 * 1024), "1.5 GiB");
}

}  // namespace
}  // namespace wale::backup
