#include "pg/lsn.h"

#include <fmt/format.h>

#include <cctype>

#include "core/error.h"
#include "core/number.h"

namespace wale::pg {
namespace {

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_upper_hex(std::string_view s) {
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F'))) return false;
  }
  return !s.empty();
}

// Callers have checked that `s` is 1..16 hex digits.
std::uint64_t hex_value(std::string_view s) { return to_uint64(s, 16).value_or(0); }

}  // namespace

Lsn Lsn::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash > 8 || text.size() - slash - 1 > 8 || !is_hex(text.substr(0, slash)) ||
      !is_hex(text.substr(slash + 1))) {
    throw Error(ErrorCode::Usage, "invalid WAL location \"" + std::string(text) + "\"", {},
                "A WAL location looks like 16/B374D848.");
  }
  return Lsn{(hex_value(text.substr(0, slash)) << 32) | hex_value(text.substr(slash + 1))};
}

std::string Lsn::to_string() const { return fmt::format("{:X}/{:X}", value >> 32, value & 0xffffffffULL); }

WalSegment WalSegment::from_lsn(std::uint32_t timeline, Lsn lsn, std::uint64_t segment_size) {
  return WalSegment{timeline, lsn.value / segment_size, segment_size};
}

std::optional<WalSegment> WalSegment::parse(std::string_view name, std::uint64_t segment_size) {
  if (name.size() != 24 || !is_upper_hex(name)) return std::nullopt;
  std::uint64_t per_log = 0x100000000ULL / segment_size;
  std::uint32_t tli = static_cast<std::uint32_t>(hex_value(name.substr(0, 8)));
  std::uint64_t log = hex_value(name.substr(8, 8));
  std::uint64_t seg = hex_value(name.substr(16, 8));
  if (seg >= per_log) return std::nullopt;
  return WalSegment{tli, log * per_log + seg, segment_size};
}

std::string WalSegment::file_name() const {
  std::uint64_t per_log = 0x100000000ULL / segment_size;
  return fmt::format("{:08X}{:08X}{:08X}", timeline, segno / per_log, segno % per_log);
}

WalSegment WalSegment::next() const { return WalSegment{timeline, segno + 1, segment_size}; }

WalFileKind classify_wal_file(std::string_view name) {
  if (name.size() == 24 && is_upper_hex(name)) return WalFileKind::Segment;
  if (name.size() == 16 && is_upper_hex(name.substr(0, 8)) && name.substr(8) == ".history") {
    return WalFileKind::History;
  }
  if (name.size() == 40 && is_upper_hex(name.substr(0, 24)) && name[24] == '.' && is_upper_hex(name.substr(25, 8)) &&
      name.substr(33) == ".backup") {
    return WalFileKind::BackupHistory;
  }
  if (name.size() == 32 && is_upper_hex(name.substr(0, 24)) && name.substr(24) == ".partial") {
    return WalFileKind::Partial;
  }
  return WalFileKind::Invalid;
}

}  // namespace wale::pg
