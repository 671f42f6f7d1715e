// parse_manifest reads stored manifests strictly: anything malformed is Error{Corrupt}.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <fmt/format.h>

#include "layout/backup_manifest.h"
#include "core/error.h"

namespace wale::layout {
namespace {

// A manifest body (up to and including the "WAL-Ranges" entry and its comma)
// completed with a correct Manifest-Checksum, so only the fields are wrong.
std::string with_checksum(const std::string& body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  std::string hex;
  for (unsigned char c : digest) hex += fmt::format("{:02x}", c);
  return body + "\"Manifest-Checksum\": \"" + hex + "\"}\n";
}

std::string manifest(const std::string& file, const std::string& range) {
  return with_checksum("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n" + file +
                       "\n],\n\"WAL-Ranges\": [\n" + range + "\n],\n");
}

const char* kGoodFile = R"({ "Path": "base/1/2", "Size": 8192, "Last-Modified": "2026-11-24 10:00:00 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "61a3120c" })";
const char* kGoodRange = R"({ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" })";

void expect_corrupt(const std::string& text) {
  try {
    parse_manifest(text);
    ADD_FAILURE() << "accepted " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << text;
    EXPECT_NE(e.message().find("backup manifest"), std::string::npos) << e.message();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an Error: " << e.what() << " for " << text;
  }
}

TEST(BackupManifest, RoundTripsTheBuildersOutput) {
  ManifestBuilder b;
  b.add({"base/1/2", 8192, 1700000000, 0x0c12a361u});
  auto m = parse_manifest(b.render({1, "0/2000028", "0/2000100"}));
  ASSERT_EQ(m.files.size(), 1u);
  EXPECT_EQ(m.files[0].crc32c, 0x0c12a361u);
  auto again = parse_manifest(manifest(kGoodFile, kGoodRange));
  EXPECT_EQ(again.files[0].crc32c, 0x0c12a361u);
  EXPECT_EQ(again.wal_ranges[0].timeline, 1u);
}

TEST(BackupManifest, MalformedFieldsAreCorruptNotExceptions) {
  // std::stoul threw std::invalid_argument here ("unprocessed exception").
  expect_corrupt(manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": "CRC32C", "Checksum": "zz" })", kGoodRange));
  expect_corrupt(manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": "CRC32C", "Checksum": "123456789" })", kGoodRange));
  expect_corrupt(manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": "CRC32C", "Checksum": 5 })", kGoodRange));
  // Wrong types and ranges were wrapped silently or escaped as type_error.
  expect_corrupt(manifest(R"({ "Path": "a", "Size": -1 })", kGoodRange));
  expect_corrupt(manifest(R"({ "Path": "a", "Size": 1.5 })", kGoodRange));
  expect_corrupt(manifest(R"({ "Path": 7, "Size": 1 })", kGoodRange));
  expect_corrupt(manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": 3 })", kGoodRange));
  expect_corrupt(manifest(R"("a file")", kGoodRange));
  expect_corrupt(manifest(kGoodFile, R"({ "Timeline": 4294967296, "Start-LSN": "0/1", "End-LSN": "0/2" })"));
  expect_corrupt(manifest(kGoodFile, R"({ "Timeline": "1", "Start-LSN": "0/1", "End-LSN": "0/2" })"));
  expect_corrupt(manifest(kGoodFile, R"({ "Timeline": 1, "Start-LSN": 1, "End-LSN": "0/2" })"));
  // Not an object, or a checksum of the wrong type (value() threw type_error).
  expect_corrupt(R"(["Manifest-Checksum"])");
  expect_corrupt(R"({"Manifest-Checksum": 5})");
  expect_corrupt(with_checksum(R"({"Files": {}, "WAL-Ranges": [], )"));
  expect_corrupt(with_checksum(R"({"WAL-Ranges": [], )"));
}

}  // namespace
}  // namespace wale::layout
