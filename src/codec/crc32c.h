// CRC-32C (Castagnoli), as PostgreSQL's backup manifests use it.
// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace wale::codec {

// Continues a CRC: start with crc32c_init(), feed data, end with crc32c_final().
constexpr std::uint32_t crc32c_init() { return 0xFFFFFFFFu; }
std::uint32_t crc32c_update(std::uint32_t crc, std::span<const std::byte> data);
constexpr std::uint32_t crc32c_final(std::uint32_t crc) { return crc ^ 0xFFFFFFFFu; }

inline std::uint32_t crc32c(std::span<const std::byte> data) { return crc32c_final(crc32c_update(crc32c_init(), data)); }

}  // namespace wale::codec
