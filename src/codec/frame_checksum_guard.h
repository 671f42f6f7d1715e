// FrameChecksumGuard: makes a decompressor refuse every frame that does not
// carry a content checksum (codec::make_verifying_decompressor). lz4 and zstd
// frames both start with a 4-byte little-endian magic number followed by a
// descriptor byte whose flag says whether the frame ends with a checksum of
// its decoded content (lz4: FLG bit 2, xxHash32; zstd: Frame_Header_Descriptor
// bit 2, xxHash64's low 32 bits), which the library then verifies. A frame
// with another magic (a skippable frame, a legacy format) or without the flag
// is Error{Corrupt}: then no byte of the output goes unchecked.
//
// The decoder hands over, in order, exactly the input bytes the library
// consumed (the first bytes of a frame may be split across calls) and says
// when a frame ended (the library consumes no byte past a frame's end within
// one call). Not thread-safe; one per decoder.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace wale::codec {

// The frames a verifying decompressor accepts (magic, descriptor flag).
inline constexpr std::uint32_t kLz4FrameMagic = 0x184D2204u;
inline constexpr std::uint32_t kZstdFrameMagic = 0xFD2FB528u;
inline constexpr std::uint8_t kContentChecksumFlag = 0x04;  // lz4 FLG and zstd descriptor: bit 2
inline constexpr std::size_t kFrameHeadSize = 5;            // magic + descriptor

class FrameChecksumGuard {
 public:
  // The guards of the two codecs whose frames carry content checksums.
  static FrameChecksumGuard lz4() { return {kLz4FrameMagic, kContentChecksumFlag, "lz4"}; }
  static FrameChecksumGuard zstd() { return {kZstdFrameMagic, kContentChecksumFlag, "zstd"}; }

  // Throws Error{Corrupt} once the first 5 bytes of a frame are known and refused.
  void consumed(std::span<const std::byte> bytes);
  void frame_ended() noexcept { seen_ = 0; }
  // Why a frame starting with `head` (kFrameHeadSize bytes) is refused, or
  // nullptr when it is a data frame with a content checksum.
  const char* refusal(std::span<const std::byte> head) const;

 private:
  FrameChecksumGuard(std::uint32_t magic, std::uint8_t checksum_flag, std::string codec_name)
      : magic_(magic), flag_(checksum_flag), name_(std::move(codec_name)) {}

  std::uint32_t magic_;
  std::uint8_t flag_;
  std::string name_;
  std::array<std::byte, kFrameHeadSize> start_{};  // magic + descriptor of the current frame
  std::size_t seen_ = 0;                           // how many of them; 5 = checked
};

}  // namespace wale::codec
