#include "codec/frame_checksum_guard.h"

#include "core/error.h"

namespace wale::codec {

void FrameChecksumGuard::consumed(std::span<const std::byte> bytes) {
  while (seen_ < start_.size() && !bytes.empty()) {
    start_[seen_++] = bytes.front();
    bytes = bytes.subspan(1);
    if (seen_ < start_.size()) continue;
    const auto b = [&](std::size_t i) { return std::to_integer<std::uint32_t>(start_[i]); };
    const std::uint32_t magic = b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
    const char* why = magic != magic_       ? " stream has a frame that is not a checksummed data frame"
                      : (b(4) & flag_) == 0 ? " frame has no content checksum"
                                            : nullptr;
    if (why != nullptr) {
      throw Error(ErrorCode::Corrupt, name_ + why,
                  "Every frame must carry a checksum of its content here (wal-e always writes one).");
    }
  }
}

}  // namespace wale::codec
