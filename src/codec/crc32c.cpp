#include "codec/crc32c.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <array>
#include <cstring>

#include "core/scratch_buffer.h"

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

// One CPUID, on first use. Not __builtin_cpu_supports: that links libgcc's
// __cpu_indicator_init, a constructor that runs a dozen CPUID instructions in
// every process at start-up, each a trap into the hypervisor on a VM.
bool have_sse42() {
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_SSE4_2) != 0;
  }();
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
  ScratchBuffer buf(256 * 1024);
  std::uint32_t crc = crc32c_init();
  std::uint64_t size = 0;
  while (std::size_t n = read(buf)) {
    crc = crc32c_update(crc, std::span<const std::byte>(buf.data(), n));
    size += n;
  }
  return StreamCrc{size, crc32c_final(crc)};
}

}  // namespace wale::codec
