// parse_manifest reads stored manifests strictly: anything malformed is Error{Corrupt}.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "core/error.h"
#include "layout/backup_manifest.h"

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

const char* kGoodFile =
    R"({ "Path": "base/1/2", "Size": 8192, "Last-Modified": "2026-11-24 10:00:00 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "61a3120c" })";
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
  expect_corrupt(
      manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": "CRC32C", "Checksum": "zz" })", kGoodRange));
  expect_corrupt(
      manifest(R"({ "Path": "a", "Size": 1, "Checksum-Algorithm": "CRC32C", "Checksum": "123456789" })", kGoodRange));
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

// Files added from many threads come back sorted by path with every field,
// a file without a checksum included.
TEST(BackupManifest, RoundTripsManyFilesAddedConcurrently) {
  ManifestBuilder b;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&b, t] {
      for (int i = 0; i < 50; ++i) {
        std::uint32_t n = static_cast<std::uint32_t>(t * 50 + i);
        std::optional<std::uint32_t> crc;
        if (n % 7 != 0) crc = n * 2654435761u;
        b.add({"base/" + std::to_string(t) + "/" + std::to_string(1000 + i), n * 8192ULL, 1700000000 + n, crc});
      }
    });
  }
  for (auto& th : threads) th.join();
  auto m = parse_manifest(b.render({3, "0/5000028", "0/6000100"}));
  ASSERT_EQ(m.files.size(), 200u);
  for (std::size_t i = 1; i < m.files.size(); ++i) EXPECT_LT(m.files[i - 1].path, m.files[i].path);
  for (const auto& f : m.files) {
    auto t = std::stoul(f.path.substr(5, 1));
    auto i = std::stoul(f.path.substr(7)) - 1000;
    std::uint32_t n = static_cast<std::uint32_t>(t * 50 + i);
    EXPECT_EQ(f.size, n * 8192ULL) << f.path;
    if (n % 7 == 0) {
      EXPECT_FALSE(f.crc32c) << f.path;
    } else {
      EXPECT_EQ(f.crc32c, n * 2654435761u) << f.path;
    }
  }
  ASSERT_EQ(m.wal_ranges.size(), 1u);
  EXPECT_EQ(m.wal_ranges[0].timeline, 3u);
  EXPECT_EQ(m.wal_ranges[0].start_lsn, "0/5000028");
  EXPECT_EQ(m.wal_ranges[0].end_lsn, "0/6000100");
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// Any change to what the checksum covers, to the checksum, or after it is
// refused: a size, a CRC, a path, the WAL range, a missing checksum, and a
// second "Files" smuggled in after the checksum (JSON keeps the last of two
// equal keys, so it would replace the checked list).
TEST(BackupManifest, RejectsTampering) {
  ManifestBuilder b;
  b.add({"base/1/2", 8192, 1700000000, 0x0c12a361u});
  b.add({"global/pg_control", 8192, 1700000000, 0x11111111u});
  std::string good = b.render({1, "0/2000028", "0/2000100"});
  ASSERT_NO_THROW(parse_manifest(good));
  expect_corrupt(replace_once(good, "\"Size\": 8192", "\"Size\": 8193"));
  expect_corrupt(replace_once(good, "\"61a3120c\"", "\"61a3120d\""));
  expect_corrupt(replace_once(good, "base/1/2", "base/1/3"));
  expect_corrupt(replace_once(good, "0/2000100", "0/2000200"));
  auto pos = good.find("\"Manifest-Checksum\"");
  ASSERT_NE(pos, std::string::npos);
  std::string hex = good.substr(pos + 22, 64);
  expect_corrupt(replace_once(good, hex, std::string(64, '0')));
  expect_corrupt(good.substr(0, pos) + "\"Other\": 1}\n");
  expect_corrupt(replace_once(good, "\"}\n", "\", \"Files\": [{ \"Path\": \"evil\", \"Size\": 1 }]}\n"));
  expect_corrupt(replace_once(good, "\"}\n", "\", \"WAL-Ranges\": []}\n"));
}

}  // namespace
}  // namespace wale::layout

namespace wale::layout {
namespace {

// Hands out a text in pieces of a fixed size (a store's reads).
class PieceSource final : public io::ByteSource {
 public:
  PieceSource(std::string text, std::size_t piece) : text_(std::move(text)), piece_(piece) {}
  std::size_t read(std::span<std::byte> out) override {
    std::size_t n = std::min({out.size(), piece_, text_.size() - pos_});
    std::memcpy(out.data(), text_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string text_;
  std::size_t piece_;
  std::size_t pos_ = 0;
};

// The streaming parse (backup-verify reads the manifest from the store
// without holding it) accepts what the string parse accepts and refuses what
// it refuses, for manifests much larger than the piece it hashes last, read
// in odd pieces: every file comes back, and a changed byte anywhere, a
// missing checksum or data after it is Error{Corrupt}.
TEST(ManifestStreaming, StreamedParseChecksTheWholeText) {
  ManifestBuilder b;
  for (std::uint32_t i = 0; i < 5000; ++i) b.add({"base/5/" + std::to_string(100000 + i), i, 1700000000, i});
  std::string text = b.render({1, "0/2000028", "0/2000100"});
  ASSERT_GT(text.size(), 300u * 1024);
  auto stream = [](const std::string& t, std::size_t piece) {
    PieceSource src(t, piece);
    std::vector<ManifestFile> files;
    auto ranges = parse_manifest(src, [&](ManifestFile&& f) { files.push_back(std::move(f)); });
    EXPECT_EQ(ranges.size(), 1u);
    return files;
  };
  for (std::size_t piece : {1000u, 65536u, 1u << 20}) {
    auto files = stream(text, piece);
    ASSERT_EQ(files.size(), 5000u);
    EXPECT_EQ(files[4999].path, "base/5/104999");
    EXPECT_EQ(files[4999].crc32c, 4999u);
  }
  auto corrupt = [&](const std::string& t, const std::string& want) {
    try {
      stream(t, 4096);
      ADD_FAILURE() << "accepted: " << want;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt);
      EXPECT_NE(e.message().find(want), std::string::npos) << e.message();
    }
  };
  corrupt(replace_once(text, "\"Size\": 7,", "\"Size\": 8,"), "checksum mismatch");    // early in the text
  corrupt(replace_once(text, "\"0/2000100\"", "\"0/2000101\""), "checksum mismatch");  // in the last piece
  std::string no_sum = text.substr(0, text.rfind("\"Manifest-Checksum\"")) + "\"x\": 1}\n";
  corrupt(no_sum, "no Manifest-Checksum");
  std::string after = text.substr(0, text.rfind('}')) + ", \"Files\": []}\n";
  corrupt(after, "data after its Manifest-Checksum");
  corrupt(text.substr(0, text.size() / 2), "no Manifest-Checksum");
}

}  // namespace
}  // namespace wale::layout
