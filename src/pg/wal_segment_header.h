// The long page header at the start of every WAL segment file
// (XLogLongPageHeaderData): it names the cluster (system identifier) the
// segment belongs to. Pure; little-endian layout of x86-64/arm64 builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace wale::pg {

struct WalSegmentHeader {
  std::uint16_t magic = 0;
  std::uint32_t timeline = 0;
  std::uint64_t page_address = 0;
  std::uint64_t system_identifier = 0;
  std::uint32_t segment_size = 0;
};

inline constexpr std::size_t kWalLongHeaderSize = 40;

// std::nullopt if `bytes` is shorter than the header or lacks XLP_LONG_HEADER.
std::optional<WalSegmentHeader> parse_wal_segment_header(std::span<const std::byte> bytes);

}  // namespace wale::pg
