// CRC-32C (Castagnoli), as PostgreSQL's backup manifests use it.
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace wale::codec {

// Continues a CRC: start with crc32c_init(), feed data, end with crc32c_final().
constexpr std::uint32_t crc32c_init() { return 0xFFFFFFFFu; }
std::uint32_t crc32c_update(std::uint32_t crc, std::span<const std::byte> data);
constexpr std::uint32_t crc32c_final(std::uint32_t crc) { return crc ^ 0xFFFFFFFFu; }

inline std::uint32_t crc32c(std::span<const std::byte> data) {
  return crc32c_final(crc32c_update(crc32c_init(), data));
}

// The size and CRC-32C of a stream: calls `read` with a buffer until it
// returns 0 (read returns how many bytes it put into the buffer). Exceptions
// from `read` propagate.
struct StreamCrc {
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
};
StreamCrc crc32c_of_stream(const std::function<std::size_t(std::span<std::byte>)>& read);

}  // namespace wale::codec
