// Thin access to liblzo2: one-time initialisation, version, crc32.
// (adler32 lives in adler32.h: a faster implementation of the same sum.)
// All functions are thread-safe (lzo_init runs once, guarded by a static).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace wale::codec::lzo {

// Runs lzo_init() once per process; throws Error{Internal} if the library
// and its headers disagree.
void ensure_initialized();

// lzo_version() as lzop writes it in the lib_version header field.
std::uint16_t library_version();

// Running crc32 (zlib-compatible) over `data`, continuing from `seed` (0 to start).
std::uint32_t crc32(std::uint32_t seed, std::span<const std::byte> data);

}  // namespace wale::codec::lzo
