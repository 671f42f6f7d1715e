// LZO1X instruction set, as documented with LZO (doc/LZO.TXT) and in the
// Linux kernel's Documentation/staging/lzo.rst. `state` is the 2-bit literal
// count carried by the previous instruction.
//
//   first byte > 17        : (byte - 17) literals; then as after a literal run
//   0000LLLL (state 0)     : literal run of L+3 bytes (L = 0: 15 + extension)
//   0000DDSS after a run   : 3-byte match, distance 1 + 0x800 + (D | H << 2)
//   0000DDSS after a match : 2-byte match, distance 1 + (D | H << 2)
//   0001HLLL               : M4, distance 0x4000 + (H << 14) + (D >> 2);
//                            distance 0x4000 exactly is the end marker
//   001LLLLL               : M3, distance 1 + (D >> 2), length L + 2
//   LLLDDDSS (>= 64)       : M2, distance 1 + (DDD | H << 3), length 1 + LLL
// Lengths of 0 in M3/M4/literal runs are extended by bytes of 0 (+255 each)
// and a final non-zero byte. SS (the low bits of the instruction or of the
// first distance byte) gives 0..3 literals to copy after a match.
#include "codec/lzo1x_decoder.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wale::codec::lzo1x {
namespace {

using u8 = unsigned char;

inline void copy16(u8* dst, const u8* src) {
#if defined(__SSE2__)
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
#else
  std::memcpy(dst, src, 16);
#endif
}

inline void copy8(u8* dst, const u8* src) {
  std::uint64_t v;
  std::memcpy(&v, src, 8);
  std::memcpy(dst, &v, 8);
}

}  // namespace

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::Ok: return "ok";
    case Status::InputOverrun: return "input overrun";
    case Status::OutputOverrun: return "output overrun";
    case Status::LookbehindOverrun: return "lookbehind overrun";
    case Status::InputNotConsumed: return "input not consumed";
  }
  return "unknown";
}

Result decompress(std::span<const std::byte> in_span, std::span<std::byte> out_span) noexcept {
  const u8* ip = reinterpret_cast<const u8*>(in_span.data());
  const u8* const ip_end = ip + in_span.size();
  u8* const out = reinterpret_cast<u8*>(out_span.data());
  u8* op = out;
  u8* const op_end = out + out_span.size();
  std::size_t t = 0;
  std::size_t dist = 0;

  auto ip_left = [&] { return static_cast<std::size_t>(ip_end - ip); };
  auto op_left = [&] { return static_cast<std::size_t>(op_end - op); };
  auto written = [&] { return static_cast<std::size_t>(op - out); };

  // Literals: wide copies when both buffers have 16 bytes of slack.
  auto copy_literals = [&](std::size_t n) {
    if (ip_left() >= n + 16 && op_left() >= n + 16) {
      u8* d = op;
      const u8* s = ip;
      for (std::size_t done = 0; done < n; done += 16, d += 16, s += 16) copy16(d, s);
    } else {
      std::memcpy(op, ip, n);
    }
    op += n;
    ip += n;
  };
  // A match of n bytes at distance `dist` (already checked against the output).
  auto copy_match = [&](std::size_t n) {
    const u8* m = op - dist;
    if (op_left() >= n + 16) {
      if (dist >= 16) {
        // Every 16-byte read lies before the write position: no overlap hazard.
        u8* d = op;
        for (std::size_t done = 0; done < n; done += 16, d += 16, m += 16) copy16(d, m);
        op += n;
        return;
      }
      if (dist == 1) {
        std::memset(op, *m, n);
        op += n;
        return;
      }
      if (dist >= 8) {
        u8* d = op;
        for (std::size_t done = 0; done < n; done += 8, d += 8, m += 8) copy8(d, m);
        op += n;
        return;
      }
    }
    for (std::size_t i = 0; i < n; ++i) op[i] = m[i];
    op += n;
  };
  // Length extension: zero bytes add 255 each, then one byte adds its value.
  // Returns false on input overrun (or a length that would overflow, as liblzo2's
  // TEST_OV). A length longer than the output is not rejected here: an M4 with
  // distance 0 is the end marker whatever its length, and liblzo2 accepts it.
  auto extend = [&](std::size_t base) -> bool {
    if (ip_left() < 1) return false;
    while (*ip == 0) {
      t += 255;
      ++ip;
      if (ip_left() < 1 || t > (SIZE_MAX >> 2)) return false;
    }
    t += base + *ip++;
    return true;
  };

#define WALE_NEED_IP(n) \
  if (ip_left() < static_cast<std::size_t>(n)) return {Status::InputOverrun, written()}
#define WALE_NEED_OP(n)                                 \
  if (op_left() < static_cast<std::size_t>(n)) return { \
      Status::OutputOverrun, written()                  \
    }
#define WALE_CHECK_DIST()                  \
  if (dist > written()) return {           \
      Status::LookbehindOverrun, written() \
    }

  WALE_NEED_IP(1);
  if (*ip > 17) {
    t = static_cast<std::size_t>(*ip++ - 17);
    if (t < 4) goto match_next;
    WALE_NEED_OP(t);
    WALE_NEED_IP(t + 1);
    copy_literals(t);
    goto first_literal_run;
  }

  for (;;) {
    WALE_NEED_IP(3);
    t = *ip++;
    if (t >= 16) goto match;
    if (t == 0) {
      if (!extend(15)) {
        if (ip_left() < 1) return {Status::InputOverrun, written()};
        return {Status::OutputOverrun, written()};
      }
    }
    WALE_NEED_OP(t + 3);
    WALE_NEED_IP(t + 4);
    copy_literals(t + 3);

  first_literal_run:
    t = *ip++;
    if (t >= 16) goto match;
    WALE_NEED_IP(1);
    dist = 1 + 0x0800 + (t >> 2) + (std::size_t{*ip++} << 2);
    WALE_CHECK_DIST();
    WALE_NEED_OP(3);
    {
      const u8* m = op - dist;
      op[0] = m[0];
      op[1] = m[1];
      op[2] = m[2];
      op += 3;
    }
    goto match_done;

    for (;;) {
    match:
      if (t >= 64) {  // M2
        WALE_NEED_IP(1);
        dist = 1 + ((t >> 2) & 7) + (std::size_t{*ip++} << 3);
        t = (t >> 5) - 1;
      } else if (t >= 32) {  // M3
        t &= 31;
        if (t == 0 && !extend(31)) {
          if (ip_left() < 1) return {Status::InputOverrun, written()};
          return {Status::OutputOverrun, written()};
        }
        WALE_NEED_IP(2);
        dist = 1 + (std::size_t{ip[0]} >> 2) + (std::size_t{ip[1]} << 6);
        ip += 2;
      } else if (t >= 16) {  // M4 or end of stream
        dist = (t & 8) << 11;
        t &= 7;
        if (t == 0 && !extend(7)) {
          if (ip_left() < 1) return {Status::InputOverrun, written()};
          return {Status::OutputOverrun, written()};
        }
        WALE_NEED_IP(2);
        dist += (std::size_t{ip[0]} >> 2) + (std::size_t{ip[1]} << 6);
        ip += 2;
        if (dist == 0) goto end_of_stream;
        dist += 0x4000;
      } else {  // 2-byte match after a match
        WALE_NEED_IP(1);
        dist = 1 + (t >> 2) + (std::size_t{*ip++} << 2);
        WALE_CHECK_DIST();
        WALE_NEED_OP(2);
        {
          const u8* m = op - dist;
          op[0] = m[0];
          op[1] = m[1];  // m[1] may be op[0] (distance 1): written just above
          op += 2;
        }
        goto match_done;
      }
      WALE_CHECK_DIST();
      WALE_NEED_OP(t + 2);
      copy_match(t + 2);

    match_done:
      t = ip[-2] & 3u;
      if (t == 0) break;
    match_next:
      WALE_NEED_OP(t);
      WALE_NEED_IP(t + 1);
      op[0] = ip[0];
      if (t > 1) {
        op[1] = ip[1];
        if (t > 2) op[2] = ip[2];
      }
      op += t;
      ip += t;
      t = *ip++;
    }
  }

end_of_stream:
  if (ip == ip_end) return {Status::Ok, written()};
  return {ip < ip_end ? Status::InputNotConsumed : Status::InputOverrun, written()};

#undef WALE_NEED_IP
#undef WALE_NEED_OP
#undef WALE_CHECK_DIST
}

}  // namespace wale::codec::lzo1x
