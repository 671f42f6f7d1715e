// Fuzzes one decompressor, chosen at build time (WALE_FUZZ_CODEC = Lzop, Lz4
// or Zstd): arbitrary input, fed in chunks whose sizes come from its first
// four bytes, may only throw wale::Error. Then our compressor's output for
// the same bytes must decompress back to them.
#include <algorithm>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "fuzz_support.h"

namespace {

constexpr wale::codec::Codec kCodec = wale::codec::Codec::WALE_FUZZ_CODEC;

void decompress_arbitrary(std::span<const std::byte> input) {
  auto sizes = input.subspan(0, std::min<std::size_t>(4, input.size()));
  auto stream = input.subspan(sizes.size());
  auto filter = wale::codec::make_decompressor(kCodec);
  std::vector<std::byte> out;
  try {
    wale::fuzz::in_chunks(stream, sizes, [&](std::span<const std::byte> chunk) {
      filter->process(chunk, out);
      out.clear();  // bounded memory, whatever the compression ratio
    });
    filter->finish(out);
  } catch (const wale::Error&) {
  }
}

void round_trip(std::span<const std::byte> input) {
  auto compressor = wale::codec::make_compressor(kCodec);
  std::vector<std::byte> packed;
  compressor->process(input, packed);
  compressor->finish(packed);
  auto decompressor = wale::codec::make_decompressor(kCodec);
  std::vector<std::byte> unpacked;
  // In two pieces, so a unit straddling process() calls is exercised too.
  std::span<const std::byte> all(packed);
  decompressor->process(all.subspan(0, all.size() / 2), unpacked);
  decompressor->process(all.subspan(all.size() / 2), unpacked);
  decompressor->finish(unpacked);
  WALE_FUZZ_CHECK(unpacked.size() == input.size());
  WALE_FUZZ_CHECK(std::equal(unpacked.begin(), unpacked.end(), input.begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = wale::fuzz::bytes(data, size);
  decompress_arbitrary(input);
  round_trip(input);
  return 0;
}
