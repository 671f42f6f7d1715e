#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "codec/crc32c.h"
#include "core/error.h"
#include "pg/control_file.h"
#include "test_support/temp_dir.h"

namespace wale::pg {
namespace {

template <typename T>
void put(std::vector<std::byte>& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

// A pg_control of version 1300 as PostgreSQL 15's initdb writes it (values
// from pg_controldata of a real cluster), with a correct CRC.
std::vector<std::byte> sample(std::uint32_t version = 1300, std::uint32_t state = 1) {
  std::vector<std::byte> b(8192);
  put<std::uint64_t>(b, 0, 7713809081066858487ULL);
  put<std::uint32_t>(b, 8, version);
  put<std::uint32_t>(b, 16, state);
  put<std::uint64_t>(b, 32, 0x1500718);   // checkPoint
  put<std::uint64_t>(b, 40, 0x1500700);   // checkPointCopy.redo
  put<std::uint32_t>(b, 48, 3);           // checkPointCopy.ThisTimeLineID
  put<std::uint64_t>(b, 136, 0x2000100);  // minRecoveryPoint
  put<std::uint32_t>(b, 144, 3);
  put<std::uint32_t>(b, 224, 8192);
  put<std::uint32_t>(b, 228, 16U << 20);
  put<std::uint32_t>(b, 288, codec::crc32c(std::span<const std::byte>(b.data(), 288)));
  return b;
}

TEST(ControlFile, ReadsVersion1300) {
  auto c = ControlFile::parse(sample());
  EXPECT_EQ(c.system_identifier, 7713809081066858487ULL);
  EXPECT_EQ(c.state, ClusterState::ShutDown);
  EXPECT_EQ(cluster_state_name(c.state), "shut down");
  EXPECT_EQ(c.checkpoint.to_string(), "0/1500718");
  EXPECT_EQ(c.redo.to_string(), "0/1500700");
  EXPECT_EQ(c.checkpoint_timeline, 3u);
  EXPECT_EQ(c.min_recovery_point.to_string(), "0/2000100");
  EXPECT_EQ(c.wal_segment_size, 16u << 20);
  EXPECT_EQ(cluster_state_name(ControlFile::parse(sample(1300, 6)).state), "in production");
}

TEST(ControlFile, RefusesBadChecksumOtherVersionsAndShortFiles) {
  auto b = sample();
  b[40] = std::byte{0x01};
  try {
    ControlFile::parse(b);
    FAIL() << "a damaged pg_control parsed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
  }
  try {
    ControlFile::parse(sample(1700));
    FAIL() << "pg_control version 1700 parsed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  }
  EXPECT_THROW(ControlFile::parse(std::span<const std::byte>(sample().data(), 100)), Error);
}

TEST(ControlFile, CheckpointRecordEndCountsPageHeaders) {
  const std::uint64_t seg = 16u << 20;
  // Inside a page: 114 bytes of record.
  EXPECT_EQ(checkpoint_record_end(Lsn{0x1500718}, 8192, seg).value, 0x1500718u + 114);
  // 50 bytes before a page boundary: the rest after a 24-byte short header.
  EXPECT_EQ(checkpoint_record_end(Lsn{0x1502000 - 50}, 8192, seg).value, 0x1502000u + 24 + 64);
  // 50 bytes before a segment boundary: a 40-byte long header in the next segment.
  EXPECT_EQ(checkpoint_record_end(Lsn{0x2000000 - 48}, 8192, seg).value, 0x2000000u + 40 + 66);
}

// backup-push and the archive identity check read only the system identifier,
// for every PostgreSQL release (pg_control 1201 is PostgreSQL 12, which
// parse() refuses).
TEST(ControlFile, ReadSystemIdentifierWorksForAnyVersion) {
  test::TempDir dir;
  EXPECT_FALSE(read_system_identifier(dir.path())) << "no global/";
  std::filesystem::create_directories(dir.path() + "/global");
  std::string file = dir.path() + "/global/pg_control";
  std::vector<char> bytes(8192, 0);
  std::uint64_t id = 7318512345678901234ULL;
  std::uint32_t version = 1201;
  std::memcpy(bytes.data(), &id, 8);
  std::memcpy(bytes.data() + 8, &version, 4);
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(read_system_identifier(dir.path()), id);
  std::ofstream(file, std::ios::binary).write(bytes.data(), 5);
  EXPECT_FALSE(read_system_identifier(dir.path())) << "too short";
  std::filesystem::remove(file);
  std::filesystem::create_directory(file);
  EXPECT_FALSE(read_system_identifier(dir.path())) << "not a regular file";
}

}  // namespace
}  // namespace wale::pg
