#include <gtest/gtest.h>

#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"

namespace wale::layout {
namespace {

TEST(BackupName, FromStartUsesDecimalOffsetLikeWalE) {
  // Start LSN 5/A9000028: offset 0x28 = 40, written as decimal.
  auto n = BackupName::from_start("0000000100000005000000A9", 0x28);
  EXPECT_EQ(n.str(), "base_0000000100000005000000A9_00000040");
  EXPECT_EQ(BackupName::parse(n.str()), n);
}

TEST(BackupName, ParseRejects) {
  EXPECT_FALSE(BackupName::parse("base_0000000100000005000000A9_0000004"));
  EXPECT_FALSE(BackupName::parse("base_0000000100000005000000a9_00000040"));
  EXPECT_FALSE(BackupName::parse("xase_0000000100000005000000A9_00000040"));
}

TEST(Keys, MatchWalELayout) {
  auto n = *BackupName::parse("base_000000010000000000000030_00000030");
  EXPECT_EQ(sentinel_key(n), "basebackups_005/base_000000010000000000000030_00000030_backup_stop_sentinel.json");
  EXPECT_EQ(extended_version_key(n), "basebackups_005/base_000000010000000000000030_00000030/extended_version.txt");
  EXPECT_EQ(partition_key(n, 12, codec::Codec::Lzop),
            "basebackups_005/base_000000010000000000000030_00000030/tar_partitions/part_00000012.tar.lzo");
  EXPECT_EQ(partition_key(n, 0, codec::Codec::None),
            "basebackups_005/base_000000010000000000000030_00000030/tar_partitions/part_00000000.tar");
  EXPECT_EQ(wal_key("000000010000000000000001", codec::Codec::Zstd), "wal_005/000000010000000000000001.zst");
  EXPECT_EQ(wal_name_from_key("wal_005/00000002.history.lzo"), "00000002.history");
  EXPECT_EQ(partition_number("x/tar_partitions/part_00000012.tar.zst"), 12u);
  EXPECT_FALSE(partition_number("x/tar_partitions/part_x.tar.zst"));
  EXPECT_FALSE(partition_number("x/tar_partitions/part_00000001.tar.gz"));
  EXPECT_EQ(backup_from_sentinel_key(sentinel_key(n)), n);
  EXPECT_FALSE(backup_from_sentinel_key("basebackups_005/x/" + n.str() + "_backup_stop_sentinel.json"));
}

TEST(BackupQuery, LatestOrName) {
  EXPECT_TRUE(BackupQuery::parse("LATEST").latest);
  EXPECT_EQ(BackupQuery::parse("base_000000010000000000000030_00000030").name,
            "base_000000010000000000000030_00000030");
  try {
    BackupQuery::parse("latest");
    FAIL() << "accepted lowercase latest";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "invalid backup query submitted");
    EXPECT_EQ(e.code(), ErrorCode::Usage);
  }
}

TEST(Sentinel, ReadsWalESentinel) {
  // The exact bytes of the WAL-E 1.1.1 fixture's sentinel.
  auto s = Sentinel::parse(
      R"({"wal_segment_backup_stop": "000000010000000000000030", "wal_segment_offset_backup_stop": "00000030", "expanded_size_bytes": 23908659, "spec": {"base_prefix": "/var/lib/postgresql/15/main/", "tablespaces": []}})");
  EXPECT_EQ(s.wal_segment_backup_stop, "000000010000000000000030");
  EXPECT_EQ(s.wal_segment_offset_backup_stop, "00000030");
  EXPECT_EQ(s.expanded_size_bytes, 23908659u);
  EXPECT_EQ(s.spec.base_prefix, "/var/lib/postgresql/15/main/");
  EXPECT_TRUE(s.spec.tablespaces.empty());
  EXPECT_FALSE(s.partition_count.has_value());
}

TEST(Sentinel, WritesWalEFieldsFirstAndRoundTrips) {
  Sentinel s;
  s.wal_segment_backup_stop = "000000010000000000000005";
  s.wal_segment_offset_backup_stop = "00000296";
  s.expanded_size_bytes = 1234;
  s.spec.base_prefix = "/data/";
  s.spec.tablespaces.push_back({"16389", "/srv/ts/", "pg_tblspc/16389"});
  s.partition_count = 3;
  s.codec = "zstd";
  std::string json = s.to_json();
  EXPECT_EQ(json.rfind(R"({"wal_segment_backup_stop":"000000010000000000000005","wal_segment_offset_backup_stop")", 0),
            0u)
      << json;
  EXPECT_NE(json.find(R"("16389":{"loc":"/srv/ts/","link":"pg_tblspc/16389"})"), std::string::npos) << json;
  auto back = Sentinel::parse(json);
  EXPECT_EQ(back.partition_count, 3u);
  EXPECT_EQ(back.codec, "zstd");
  ASSERT_EQ(back.spec.tablespaces.size(), 1u);
  EXPECT_EQ(back.spec.tablespaces[0].loc, "/srv/ts/");
}

TEST(Sentinel, IgnoresUnknownFieldsAndRejectsGarbage) {
  auto s = Sentinel::parse(R"({"wal_segment_backup_stop": "X", "future_field": {"a": 1}})");
  EXPECT_EQ(s.wal_segment_backup_stop, "X");
  EXPECT_THROW(Sentinel::parse("{not json"), Error);
  EXPECT_THROW(Sentinel::parse("[1,2]"), Error);
}

TEST(Sentinel, RecordsStandbyAndOfflineBackups) {
  Sentinel s;
  s.wal_segment_backup_stop = "000000010000000000000005";
  s.is_standby = true;
  s.while_offline = false;
  std::string json = s.to_json();
  EXPECT_NE(json.find(R"("is_standby":true)"), std::string::npos) << json;
  auto back = Sentinel::parse(json);
  EXPECT_EQ(back.is_standby, std::optional<bool>(true));
  EXPECT_EQ(back.while_offline, std::optional<bool>(false));
  // Absent in older sentinels, and not written when unknown.
  EXPECT_FALSE(Sentinel::parse(R"({"wal_segment_backup_stop": "X"})").is_standby.has_value());
  EXPECT_EQ(Sentinel{}.to_json().find("is_standby"), std::string::npos);
  EXPECT_THROW(Sentinel::parse(R"({"is_standby": "yes"})"), Error);
}

// Parses `json` and returns the Error{Corrupt} message; fails the test on any other outcome.
std::string corrupt_message(const std::string& json) {
  try {
    Sentinel::parse(json);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << json;
    EXPECT_NE(e.message().find("backup sentinel"), std::string::npos) << e.message();
    return e.message();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an Error: " << e.what() << " for " << json;
    return "";
  }
  ADD_FAILURE() << "accepted " << json;
  return "";
}

TEST(Sentinel, WrongTypesAreCorruptNotExceptions) {
  // These escaped as nlohmann type_error ("unprocessed exception") or were silently wrapped.
  EXPECT_NE(corrupt_message(R"({"expanded_size_bytes": "abc"})").find("expanded_size_bytes"), std::string::npos);
  EXPECT_NE(corrupt_message(R"({"wal_segment_backup_stop": 42})").find("wal_segment_backup_stop"), std::string::npos);
  corrupt_message(R"({"spec": {"tablespaces": ["16389"], "16389": {"loc": 5}}})");
  corrupt_message(R"({"spec": {"tablespaces": ["16389"], "16389": {"link": ["x"]}}})");
  corrupt_message(R"({"spec": {"tablespaces": "16389"}})");
  corrupt_message(R"({"spec": [1]})");
  corrupt_message(R"({"spec": {"base_prefix": {}}})");
  corrupt_message(R"("just a string")");
  corrupt_message("42");
  corrupt_message("null");
  corrupt_message(R"({"codec": true})");
}

TEST(Sentinel, NumbersAreRangeChecked) {
  corrupt_message(R"({"expanded_size_bytes": -1})");
  corrupt_message(R"({"expanded_size_bytes": 1.5})");
  corrupt_message(R"({"expanded_size_bytes": 1e300})");
  corrupt_message(R"({"timeline": 4294967296})");
  corrupt_message(R"({"timeline": 0})");
  corrupt_message(R"({"partition_count": -3})");
  corrupt_message(R"({"pg_version_num": 3000000000})");
  // segment_size 0 divided by zero in backup-verify (SIGFPE); 3 made nonsense segment numbers.
  EXPECT_NE(corrupt_message(R"({"segment_size": 0})").find("segment_size"), std::string::npos);
  corrupt_message(R"({"segment_size": 3000000})");
  corrupt_message(R"({"segment_size": 2147483648})");
  corrupt_message(R"({"system_identifier": "12; rm"})");
  EXPECT_EQ(Sentinel::parse(R"({"segment_size": 67108864, "timeline": 4294967295})").segment_size, 64u << 20);
  // null is "absent", as our own writer puts it for an unknown size.
  EXPECT_FALSE(Sentinel::parse(R"({"expanded_size_bytes": null})").expanded_size_bytes);
}

TEST(Sentinel, TablespaceOidsAndLinksMustBeWalEShaped) {
  // An OID names a directory: "../x" or a link elsewhere would point a restore outside pg_tblspc.
  corrupt_message(R"({"spec": {"tablespaces": ["../../etc"]}})");
  corrupt_message(R"({"spec": {"tablespaces": [16389]}})");
  corrupt_message(R"({"spec": {"tablespaces": ["16389"], "16389": {"loc": "/x/", "link": "../../x"}}})");
  corrupt_message(R"({"spec": {"tablespaces": ["16389", "16389"]}})");
  corrupt_message(R"({"spec": {"tablespaces": ["16389"], "16389": "loc"}})");
  auto s =
      Sentinel::parse(R"({"spec": {"tablespaces": ["16389"], "16389": {"loc": "/x/", "link": "pg_tblspc/16389"}}})");
  ASSERT_EQ(s.spec.tablespaces.size(), 1u);
  EXPECT_EQ(s.spec.tablespaces[0].link, "pg_tblspc/16389");
}

TEST(Spec, RestoreSpecErrorsAreUsageErrors) {
  for (const char* bad : {"{not json", "[]", R"({"tablespaces": [1]})", R"({"tablespaces": ["1"], "1": {"loc": 7}})"}) {
    try {
      parse_spec(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Usage) << bad;
      EXPECT_NE(e.message().find("restore spec"), std::string::npos) << e.message();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not an Error: " << e.what() << " for " << bad;
    }
  }
  auto spec = parse_spec(R"({"tablespaces": ["16385"], "16385": {"loc": "/new/"}})");
  ASSERT_EQ(spec.tablespaces.size(), 1u);
  EXPECT_EQ(spec.tablespaces[0].loc, "/new/");
}

}  // namespace
}  // namespace wale::layout
