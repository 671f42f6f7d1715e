#include "layout/backup_manifest.h"

#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>

#include <fmt/format.h>

#include "core/error.h"
#include "core/json_object.h"
#include "core/number.h"
#include "core/utc_time.h"

namespace wale::layout {
namespace {

std::string gmt(std::int64_t t) {
  return format_utc(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(t)), "%Y-%m-%d %H:%M:%S GMT");
}

std::string sha256_hex(std::string_view data) {
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
  // Sorted in place (the order of files_ is not observable): a copy would
  // double the memory of a manifest with a million files.
  std::lock_guard lock(mu_);
  auto& files = files_;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string out;
  out.reserve(files.size() * 160 + 512);  // about one entry's length: no doubling past the need
  out += "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [";
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
  const std::string what = "backup manifest";
  auto pos = text.rfind("\"Manifest-Checksum\"");
  if (pos == std::string::npos) throw Error(ErrorCode::Corrupt, "backup manifest has no Manifest-Checksum");
  // The checksum covers what precedes it, so nothing may follow it but the
  // end of the object: no other key (JSON keeps the last of two equal keys,
  // so a "Files" after it would replace the checked list unchecked).
  std::string_view tail = std::string_view(text).substr(pos);
  if (std::count(tail.begin(), tail.end(), '"') != 4 || std::count(tail.begin(), tail.end(), '}') != 1 ||
      tail.find_last_not_of(" \t\r\n") != tail.find('}')) {
    throw Error(ErrorCode::Corrupt, "backup manifest has data after its Manifest-Checksum", {},
                "The manifest itself was damaged.");
  }
  Manifest m;
  // Each element of "Files" is converted as soon as it is parsed and then
  // discarded from the tree: a whole nlohmann tree costs about 600 bytes a
  // file (backup-verify held 140 MiB for 100,000 files).
  std::string top_key;
  std::size_t index = 0;
  bool files_seen = false;
  std::optional<Error> bad_entry;  // reported after the checksum: a damaged manifest says so first
  nlohmann::json::parser_callback_t on_value = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth == 1 && event == E::key) {
      top_key = parsed.get<std::string>();
      if (top_key == "Files") files_seen = true;
    } else if (depth == 2 && event == E::object_end && top_key == "Files") {
      if (bad_entry) return false;
      try {
        JsonObject entry(parsed, what, ErrorCode::Corrupt, "Files[" + std::to_string(index++) + "].");
        ManifestFile mf;
        mf.path = entry.required_string("Path");
        mf.size = entry.required_uint("Size");
        if (entry.string("Checksum-Algorithm").value_or("") == "CRC32C") {
          std::string hex = entry.required_string("Checksum");
          auto le = hex.size() == 8 ? to_uint64(hex, 16) : std::nullopt;
          if (!le) entry.fail("Checksum", "8 hex digits for CRC32C, not \"" + hex.substr(0, 64) + "\"");
          mf.crc32c = __builtin_bswap32(static_cast<std::uint32_t>(*le));
        }
        m.files.push_back(std::move(mf));
      } catch (const Error& e) {
        bad_entry = e;
      }
      return false;
    }
    return true;
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), on_value);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Corrupt, what + " is not valid JSON", e.what());
  }
  JsonObject j(doc, what, ErrorCode::Corrupt);
  if (j.string("Manifest-Checksum").value_or("") != sha256_hex(std::string_view(text).substr(0, pos))) {
    throw Error(ErrorCode::Corrupt, "backup manifest checksum mismatch", {}, "The manifest itself was damaged.");
  }
  if (bad_entry) throw *bad_entry;
  const auto* files = j.array("Files");
  if (!files || !files_seen) j.fail("Files", "present (an array)");
  for (std::size_t i = 0; i < files->size(); ++i) {
    // Elements that are not objects stay in the tree: JsonObject rejects them.
    JsonObject entry((*files)[i], what, ErrorCode::Corrupt, "Files[" + std::to_string(index + i) + "].");
  }
  const auto* ranges = j.array("WAL-Ranges");
  if (!ranges) j.fail("WAL-Ranges", "present (an array)");
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    JsonObject range((*ranges)[i], what, ErrorCode::Corrupt, "WAL-Ranges[" + std::to_string(i) + "].");
    auto timeline = static_cast<std::uint32_t>(range.required_uint("Timeline", 1, UINT32_MAX));
    m.wal_ranges.push_back(
        ManifestWalRange{timeline, range.required_string("Start-LSN"), range.required_string("End-LSN")});
  }
  return m;
}

}  // namespace wale::layout
