#include "codec/frame_checksum_guard.h"

#include "core/error.h"

namespace wale::codec {

const char* FrameChecksumGuard::refusal(std::span<const std::byte> head) const {
  if (head.size() < kFrameHeadSize) return " stream is too short for a frame";
  const auto b = [&](std::size_t i) { return std::to_integer<std::uint32_t>(head[i]); };
  const std::uint32_t magic = b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
  return magic != magic_       ? " stream has a frame that is not a checksummed data frame"
         : (b(4) & flag_) == 0 ? " frame has no content checksum"
                               : nullptr;
}

void FrameChecksumGuard::consumed(std::span<const std::byte> bytes) {
  while (seen_ < start_.size() && !bytes.empty()) {
    start_[seen_++] = bytes.front();
    bytes = bytes.subspan(1);
    if (seen_ < start_.size()) continue;
    if (const char* why = refusal(start_); why != nullptr) {
      throw Error(ErrorCode::Corrupt, name_ + why,
                  "Every frame must carry a checksum of its content here (wal-e always writes one).");
    }
  }
}

}  // namespace wale::codec
