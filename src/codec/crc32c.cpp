#include "codec/crc32c.h"

#include <vector>

#include <array>
#include <cstring>

namespace wale::codec {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

std::uint32_t update_table(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  while (n--) crc = kTable[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t update_sse42(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
    p += 8;
    n -= 8;
  }
  std::uint32_t c32 = static_cast<std::uint32_t>(c);
  while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

bool have_sse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

std::uint32_t crc32c_update(std::uint32_t crc, std::span<const std::byte> data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  if (have_sse42()) return update_sse42(crc, p, data.size());
#endif
  return update_table(crc, p, data.size());
}

StreamCrc crc32c_of_stream(const std::function<std::size_t(std::span<std::byte>)>& read) {
  std::vector<std::byte> buf(256 * 1024);
  std::uint32_t crc = crc32c_init();
  std::uint64_t size = 0;
  while (std::size_t n = read(buf)) {
    crc = crc32c_update(crc, std::span<const std::byte>(buf.data(), n));
    size += n;
  }
  return StreamCrc{size, crc32c_final(crc)};
}

}  // namespace wale::codec
