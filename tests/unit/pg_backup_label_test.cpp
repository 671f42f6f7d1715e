#include <gtest/gtest.h>

#include "pg/backup_session.h"

namespace wale::pg {
namespace {

TEST(BackupLabel, StartFileFromAStandbyLabel) {
  // As pg_backup_stop returns it on a PostgreSQL 15 standby.
  std::string label =
      "START WAL LOCATION: 0/4004268 (file 000000010000000000000004)\n"
      "CHECKPOINT LOCATION: 0/40042A0\n"
      "BACKUP METHOD: streamed\n"
      "BACKUP FROM: standby\n"
      "START TIME: 2026-11-30 04:41:31 UTC\n"
      "LABEL: freeze_start_2026-11-30T04:41:31.434611+00:00\n"
      "START TIMELINE: 1\n";
  EXPECT_EQ(backup_label_start_file(label), "000000010000000000000004");
  EXPECT_EQ(backup_label_start_file(""), "");
  EXPECT_EQ(backup_label_start_file("START WAL LOCATION: 0/4004268\n"), "");
}

}  // namespace
}  // namespace wale::pg
