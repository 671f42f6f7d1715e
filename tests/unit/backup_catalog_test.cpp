#include <gtest/gtest.h>

#include "catalog/backup_catalog.h"
#include "core/error.h"
#include "store/memory/memory_store.h"

namespace wale::catalog {
namespace {

using namespace std::chrono;

void add_backup(store::MemoryStore& s, const std::string& name, int minutes) {
  auto n = *layout::BackupName::parse(name);
  layout::Sentinel sentinel;
  sentinel.wal_segment_backup_stop = n.segment;
  sentinel.wal_segment_offset_backup_stop = "00000100";
  sentinel.expanded_size_bytes = 42;
  store::put_bytes(s, layout::sentinel_key(n), sentinel.to_json());
  s.set_modified(layout::sentinel_key(n), system_clock::time_point(minutes * 60s));
}

TEST(BackupCatalog, ListsOnlyBackupsWithSentinels) {
  store::MemoryStore s;
  add_backup(s, "base_000000010000000000000004_00000040", 2);
  add_backup(s, "base_000000010000000000000002_00000040", 1);
  // An unfinished backup: partitions but no sentinel.
  store::put_bytes(s, "basebackups_005/base_000000010000000000000009_00000040/tar_partitions/part_00000000.tar", "x");
  auto all = list_backups(s, false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name.str(), "base_000000010000000000000002_00000040");
  EXPECT_FALSE(all[0].sentinel);
}

TEST(BackupCatalog, LatestIsNewestSentinelNotHighestName) {
  store::MemoryStore s;
  add_backup(s, "base_000000010000000000000009_00000040", 1);
  add_backup(s, "base_000000020000000000000003_00000040", 5);
  auto b = resolve_backup(s, layout::BackupQuery::parse("LATEST"));
  EXPECT_EQ(b.name.str(), "base_000000020000000000000003_00000040");
  ASSERT_TRUE(b.sentinel);
  EXPECT_EQ(b.sentinel->expanded_size_bytes, 42u);
}

TEST(BackupCatalog, ResolveErrors) {
  store::MemoryStore s;
  try {
    resolve_backup(s, layout::BackupQuery::parse("LATEST"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "no backups found for fetching");
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
  add_backup(s, "base_000000010000000000000009_00000040", 1);
  EXPECT_THROW(resolve_backup(s, layout::BackupQuery::parse("base_000000010000000000000008_00000040")), Error);
}

TEST(BackupCatalog, TsvMatchesWalEColumns) {
  store::MemoryStore s;
  add_backup(s, "base_000000010000000000000030_00000030", 0);
  auto plain = format_backup_list_tsv(list_backups(s, false));
  EXPECT_EQ(plain,
            "name\tlast_modified\texpanded_size_bytes\twal_segment_backup_start\twal_segment_offset_backup_start\t"
            "wal_segment_backup_stop\twal_segment_offset_backup_stop\r\n"
            "base_000000010000000000000030_00000030\t1970-01-01T00:00:00.000000\t\t000000010000000000000030\t"
            "00000030\t\t\r\n");
  auto detail = format_backup_list_tsv(list_backups(s, true));
  EXPECT_NE(detail.find("\t42\t000000010000000000000030\t00000030\t000000010000000000000030\t00000100\r\n"),
            std::string::npos)
      << detail;
  auto table = format_backup_list_table(list_backups(s, true));
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "name                                    last_modified               expanded_size_bytes  "
            "wal_segment_backup_start  wal_segment_offset_backup_start  wal_segment_backup_stop   "
            "wal_segment_offset_backup_stop");
  EXPECT_NE(table.find("base_000000010000000000000030_00000030  1970-01-01T00:00:00.000000  42                   "),
            std::string::npos)
      << table;
  auto json = format_backup_list_json(list_backups(s, true));
  EXPECT_NE(json.find("\"expanded_size_bytes\": 42"), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\": \"base_000000010000000000000030_00000030\""), std::string::npos);
}

}  // namespace
}  // namespace wale::catalog
