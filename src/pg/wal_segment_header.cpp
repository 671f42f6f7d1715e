#include "pg/wal_segment_header.h"

#include <cstring>

namespace wale::pg {
namespace {

template <typename T>
T read_at(std::span<const std::byte> bytes, std::size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

constexpr std::uint16_t kLongHeaderFlag = 0x0002;  // XLP_LONG_HEADER

}  // namespace

std::optional<WalSegmentHeader> parse_wal_segment_header(std::span<const std::byte> bytes) {
  if (bytes.size() < kWalLongHeaderSize) return std::nullopt;
  if (!(read_at<std::uint16_t>(bytes, 2) & kLongHeaderFlag)) return std::nullopt;
  WalSegmentHeader h;
  h.magic = read_at<std::uint16_t>(bytes, 0);
  h.timeline = read_at<std::uint32_t>(bytes, 4);
  h.page_address = read_at<std::uint64_t>(bytes, 8);
  // The short header is 20 bytes, MAXALIGNed to 24; the long header's fields follow.
  h.system_identifier = read_at<std::uint64_t>(bytes, 24);
  h.segment_size = read_at<std::uint32_t>(bytes, 32);
  return h;
}

}  // namespace wale::pg
