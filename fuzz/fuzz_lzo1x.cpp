// Differential fuzzing of our LZO1X block decoder (codec/lzo1x_decoder.h)
// against liblzo2's lzo1x_decompress_safe(), and of our adler32 against
// lzo_adler32(): both must accept the same blocks with the same output and
// reject the rest. The first two bytes give the output buffer size.
#include <lzo/lzo1x.h>

#include <algorithm>
#include <vector>

#include "codec/adler32.h"
#include "codec/lzo1x_decoder.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool initialized = lzo_init() == LZO_E_OK;
  WALE_FUZZ_CHECK(initialized);
  if (size < 2) return 0;
  std::size_t out_size = static_cast<std::size_t>(data[0]) << 8 | data[1];
  auto block = wale::fuzz::bytes(data + 2, size - 2);

  std::vector<std::byte> ours(out_size);
  auto r = wale::codec::lzo1x::decompress(block, ours);

  std::vector<unsigned char> theirs(out_size);
  lzo_uint produced = out_size;
  int rc = lzo1x_decompress_safe(reinterpret_cast<const unsigned char*>(block.data()), block.size(), theirs.data(),
                                 &produced, nullptr);
  WALE_FUZZ_CHECK((r.status == wale::codec::lzo1x::Status::Ok) == (rc == LZO_E_OK));
  if (rc == LZO_E_OK) {
    WALE_FUZZ_CHECK(r.produced == produced);
    WALE_FUZZ_CHECK(std::equal(theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(produced),
                               reinterpret_cast<const unsigned char*>(ours.data())));
  }

  std::uint32_t seed = data[0];
  WALE_FUZZ_CHECK(wale::codec::adler32(seed, block) ==
                  lzo_adler32(seed, reinterpret_cast<const unsigned char*>(block.data()), block.size()));
  return 0;
}
