#include "backup/backup_manifest.h"

#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "core/error.h"

namespace wale::backup {
namespace {

std::string gmt(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S GMT", &tm);
  return buf;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  for (unsigned char c : digest) out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace

std::string manifest_crc_hex(std::uint32_t crc) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", crc & 0xFF, (crc >> 8) & 0xFF, (crc >> 16) & 0xFF, crc >> 24);
}

void ManifestBuilder::add(ManifestFile file) {
  std::lock_guard lock(mu_);
  files_.push_back(std::move(file));
}

std::string ManifestBuilder::render(const ManifestWalRange& wal) const {
  std::vector<ManifestFile> files;
  {
    std::lock_guard lock(mu_);
    files = files_;
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string out = "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [";
  bool first = true;
  for (const auto& f : files) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{ \"Path\": " + nlohmann::json(f.path).dump() + ", \"Size\": " + std::to_string(f.size) +
           ", \"Last-Modified\": \"" + gmt(f.mtime) + "\"";
    if (f.crc32c) out += ", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"" + manifest_crc_hex(*f.crc32c) + "\"";
    out += " }";
  }
  out += "\n],\n\"WAL-Ranges\": [\n{ \"Timeline\": " + std::to_string(wal.timeline) + ", \"Start-LSN\": \"" +
         wal.start_lsn + "\", \"End-LSN\": \"" + wal.end_lsn + "\" }\n],\n";
  out += "\"Manifest-Checksum\": \"" + sha256_hex(out) + "\"}\n";
  return out;
}

Manifest parse_manifest(const std::string& text) {
  auto pos = text.rfind("\"Manifest-Checksum\"");
  if (pos == std::string::npos) throw Error(ErrorCode::Corrupt, "backup manifest has no Manifest-Checksum");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Corrupt, "backup manifest is not valid JSON", e.what());
  }
  if (j.value("Manifest-Checksum", "") != sha256_hex(text.substr(0, pos))) {
    throw Error(ErrorCode::Corrupt, "backup manifest checksum mismatch", {}, "The manifest itself was damaged.");
  }
  Manifest m;
  try {
    for (const auto& f : j.at("Files")) {
      ManifestFile mf;
      mf.path = f.at("Path").get<std::string>();
      mf.size = f.at("Size").get<std::uint64_t>();
      if (f.value("Checksum-Algorithm", "") == "CRC32C") {
        std::string hex = f.at("Checksum").get<std::string>();
        std::uint32_t le = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
        mf.crc32c = __builtin_bswap32(le);
      }
      m.files.push_back(std::move(mf));
    }
    for (const auto& w : j.at("WAL-Ranges")) {
      m.wal_ranges.push_back(ManifestWalRange{w.at("Timeline").get<std::uint32_t>(), w.at("Start-LSN").get<std::string>(),
                                              w.at("End-LSN").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::Corrupt, "backup manifest is missing fields", e.what());
  }
  return m;
}

}  // namespace wale::backup
