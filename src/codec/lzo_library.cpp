#include "codec/lzo_library.h"

#include <lzo/lzo1x.h>

#include "core/error.h"

namespace wale::codec::lzo {
namespace {

// liblzo2 takes `const lzo_bytep` (a const pointer to non-const bytes); it
// never writes through it.
lzo_bytep as_lzo(std::span<const std::byte> data) {
  return reinterpret_cast<lzo_bytep>(const_cast<std::byte*>(data.data()));
}

}  // namespace

void ensure_initialized() {
  static const int status = lzo_init();
  if (status != LZO_E_OK) {
    throw Error(ErrorCode::Internal, "liblzo2 failed to initialise (lzo_init returned " + std::to_string(status) + ")");
  }
}

std::uint16_t library_version() { return static_cast<std::uint16_t>(lzo_version() & 0xFFFF); }

std::uint32_t crc32(std::uint32_t seed, std::span<const std::byte> data) {
  return lzo_crc32(seed, as_lzo(data), static_cast<lzo_uint>(data.size()));
}

}  // namespace wale::codec::lzo
