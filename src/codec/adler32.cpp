#include "codec/adler32.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wale::codec {
namespace {

constexpr std::uint32_t kModulus = 65521;
// Largest n such that 255 n (n+1) / 2 + (n+1) (kModulus-1) fits in 32 bits:
// the sums may run this many bytes before they must be reduced.
constexpr std::size_t kMaxRun = 5552;

void scalar_run(std::uint32_t& s1, std::uint32_t& s2, const unsigned char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    s1 += p[i];
    s2 += s1;
  }
}

}  // namespace

std::uint32_t adler32(std::uint32_t seed, std::span<const std::byte> data) noexcept {
  std::uint32_t s1 = seed & 0xFFFF;
  std::uint32_t s2 = seed >> 16;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();

#if defined(__SSE2__)
  // Per 16-byte chunk c, with s1 the sum before it:
  //   s2 += 16 s1 + sum_i (16 - i) c[i],   s1 += sum_i c[i].
  // Lanes accumulate sum(c) (psadbw), the weighted sum (pmaddwd) and the
  // running total of s1 increments; the run length keeps every lane in 32
  // bits (see kMaxRun), and the combination is done in 64 bits.
  const __m128i zero = _mm_setzero_si128();
  const __m128i weights_lo = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
  const __m128i weights_hi = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);
  while (n >= 16) {
    const std::size_t chunks = std::min(n, kMaxRun) / 16;
    n -= chunks * 16;
    __m128i sum = zero;
    __m128i weighted = zero;
    __m128i prefix = zero;
    for (std::size_t k = 0; k < chunks; ++k, p += 16) {
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      prefix = _mm_add_epi32(prefix, sum);
      sum = _mm_add_epi32(sum, _mm_sad_epu8(c, zero));
      weighted = _mm_add_epi32(weighted, _mm_madd_epi16(_mm_unpacklo_epi8(c, zero), weights_lo));
      weighted = _mm_add_epi32(weighted, _mm_madd_epi16(_mm_unpackhi_epi8(c, zero), weights_hi));
    }
    alignas(16) std::uint32_t a[4];
    alignas(16) std::uint32_t w[4];
    alignas(16) std::uint32_t q[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(a), sum);
    _mm_store_si128(reinterpret_cast<__m128i*>(w), weighted);
    _mm_store_si128(reinterpret_cast<__m128i*>(q), prefix);
    // psadbw leaves its two sums in 32-bit lanes 0 and 2.
    const std::uint64_t run_sum = std::uint64_t{a[0]} + a[2];
    const std::uint64_t run_prefix = std::uint64_t{q[0]} + q[2];
    const std::uint64_t run_weighted = std::uint64_t{w[0]} + w[1] + w[2] + w[3];
    const std::uint64_t new_s2 = s2 + std::uint64_t{s1} * 16 * chunks + 16 * run_prefix + run_weighted;
    s1 = static_cast<std::uint32_t>((s1 + run_sum) % kModulus);
    s2 = static_cast<std::uint32_t>(new_s2 % kModulus);
  }
#endif

  while (n > 0) {
    const std::size_t run = std::min(n, kMaxRun);
    scalar_run(s1, s2, p, run);
    s1 %= kModulus;
    s2 %= kModulus;
    p += run;
    n -= run;
  }
  return (s2 << 16) | s1;
}

}  // namespace wale::codec
