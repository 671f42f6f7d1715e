// StringArena: many short strings stored back to back in large blocks, for
// lists of a million paths (a std::string costs 32 bytes plus a heap block
// for anything over 15 characters; here a path costs its length).
//
// add() copies a string in and returns a handle; view(handle, length) gives it
// back. Strings never move (blocks are never reallocated), so views stay
// valid as long as the arena. add() is not thread-safe; view() may be called
// from many threads when no add() runs. Throws std::bad_alloc only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace wale {

class StringArena {
 public:
  static constexpr std::size_t kBlockSize = 1 << 20;

  std::uint64_t add(std::string_view s) {
    if (blocks_.empty() || used_ + s.size() > capacity_) {
      capacity_ = std::max(kBlockSize, s.size());
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(capacity_));
      used_ = 0;
    }
    std::uint64_t handle = (static_cast<std::uint64_t>(blocks_.size() - 1) << 32) | used_;
    if (!s.empty()) std::memcpy(blocks_.back().get() + used_, s.data(), s.size());
    used_ += s.size();
    return handle;
  }

  std::string_view view(std::uint64_t handle, std::size_t length) const {
    return {blocks_[handle >> 32].get() + (handle & 0xFFFFFFFFu), length};
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0;      // bytes used in the last block
  std::size_t capacity_ = 0;  // size of the last block
};

}  // namespace wale
