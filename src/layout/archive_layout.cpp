#include "layout/archive_layout.h"

#include <fmt/format.h>

#include <cctype>
#include <climits>
#include <regex>

#include "core/error.h"
#include "core/number.h"

namespace wale::layout {
namespace {

bool all_of(std::string_view s, int (*pred)(int)) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool upper_hex(std::string_view s) {
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

BackupName BackupName::from_start(const std::string& segment, std::uint64_t offset) {
  // WAL-E: lpad(file_offset::text, 8, '0'), which also truncates longer values.
  std::string off = fmt::format("{:08d}", offset);
  if (off.size() > 8) off.resize(8);
  return BackupName{segment, off};
}

std::optional<BackupName> BackupName::parse(std::string_view name) {
  // base_ + 24 + _ + 8 = 38 characters.
  if (name.size() != 38 || name.substr(0, 5) != "base_" || name[29] != '_') return std::nullopt;
  std::string_view seg = name.substr(5, 24);
  std::string_view off = name.substr(30, 8);
  if (!upper_hex(seg) || !upper_hex(off)) return std::nullopt;
  return BackupName{std::string(seg), std::string(off)};
}

std::string wal_key(std::string_view wal_file_name, codec::Codec codec) {
  return std::string(kWalDir) + std::string(wal_file_name) + std::string(codec::extension(codec));
}

std::optional<std::string> wal_name_from_key(std::string_view key) {
  if (key.substr(0, kWalDir.size()) != kWalDir) return std::nullopt;
  std::string_view rest = key.substr(kWalDir.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  std::string_view ext = codec::extension(codec::codec_from_key(rest));
  return std::string(rest.substr(0, rest.size() - ext.size()));
}

std::optional<pg::WalSegment> BackupName::start_segment(std::uint64_t segment_size) const {
  return pg::WalSegment::parse(segment, segment_size);
}

std::optional<WalObject> parse_wal_key(std::string_view key, std::uint64_t segment_size) {
  auto name = wal_name_from_key(key);
  if (!name) return std::nullopt;
  WalObject o;
  o.key = std::string(key);
  o.kind = pg::classify_wal_file(*name);
  if (o.kind == pg::WalFileKind::Invalid) return std::nullopt;
  o.timeline = static_cast<std::uint32_t>(std::stoul(name->substr(0, 8), nullptr, 16));
  if (o.kind != pg::WalFileKind::History)
    o.segment = pg::WalSegment::parse(std::string_view(*name).substr(0, 24), segment_size);
  o.name = std::move(*name);
  return o;
}

std::string history_file_name(std::uint32_t timeline) { return fmt::format("{:08X}.history", timeline); }

std::string wal_log_prefix(const pg::WalSegment& segment) {
  return std::string(kWalDir) + segment.file_name().substr(0, 16);
}

std::string sentinel_key(const BackupName& name) {
  return std::string(kBackupsDir) + name.str() + std::string(kSentinelSuffix);
}

std::string backup_dir(const BackupName& name) { return std::string(kBackupsDir) + name.str() + "/"; }

std::string extended_version_key(const BackupName& name) { return backup_dir(name) + "extended_version.txt"; }

std::string partitions_prefix(const BackupName& name) { return backup_dir(name) + "tar_partitions/"; }

std::string partition_key(const BackupName& name, std::uint32_t number, codec::Codec codec) {
  return partitions_prefix(name) + fmt::format("part_{:08d}.tar", number) + std::string(codec::extension(codec));
}

std::optional<std::uint32_t> partition_number(std::string_view key) {
  auto slash = key.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (base.substr(0, 5) != "part_") return std::nullopt;
  auto dot = base.find(".tar");
  if (dot == std::string_view::npos || dot <= 5) return std::nullopt;
  std::string_view digits = base.substr(5, dot - 5);
  if (!all_of(digits, ::isdigit) || digits.size() > 9) return std::nullopt;
  std::string_view ext = base.substr(dot + 4);
  if (!ext.empty() && ext != ".lzo" && ext != ".lz4" && ext != ".zst") return std::nullopt;
  auto n = to_uint64(digits);
  if (!n || *n > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

std::optional<BackupName> backup_from_sentinel_key(std::string_view key) {
  if (key.substr(0, kBackupsDir.size()) != kBackupsDir) return std::nullopt;
  std::string_view rest = key.substr(kBackupsDir.size());
  if (rest.size() <= kSentinelSuffix.size() || rest.substr(rest.size() - kSentinelSuffix.size()) != kSentinelSuffix) {
    return std::nullopt;
  }
  return BackupName::parse(rest.substr(0, rest.size() - kSentinelSuffix.size()));
}

std::optional<BackupName> backup_of_key(std::string_view key) {
  if (auto name = backup_from_sentinel_key(key)) return name;
  if (key.substr(0, kBackupsDir.size()) != kBackupsDir) return std::nullopt;
  std::string_view rest = key.substr(kBackupsDir.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return BackupName::parse(rest.substr(0, slash));
}

std::string backup_manifest_key(const BackupName& name) { return backup_dir(name) + "backup_manifest"; }

std::string permanent_marker_key(const BackupName& name) { return backup_dir(name) + "permanent"; }

std::vector<std::string> old_version_prefixes() {
  std::vector<std::string> out;
  for (int v = 0; v <= 4; ++v) {
    for (const char* dir : {"basebackups_00", "wal_00"}) out.push_back(std::string(dir) + std::to_string(v) + "/");
  }
  return out;
}

BackupQuery BackupQuery::parse(std::string_view text) {
  if (text == "LATEST") return BackupQuery{true, {}};
  static const std::regex re("^base_[0-9A-F]{24}_[0-9A-F]{8}");
  std::string s(text);
  if (!std::regex_search(s, re)) {
    throw Error(ErrorCode::Usage, "invalid backup query submitted", "The query was \"" + s + "\".",
                "Use LATEST or a name from backup-list, like base_000000010000000000000002_00000040.");
  }
  return BackupQuery{false, s};
}

}  // namespace wale::layout
