// ScratchBuffer: a fixed-size byte buffer whose bytes start uninitialised, for
// read and copy buffers that are always written before they are read.
//
// Unlike std::vector<std::byte>(n) it does not zero its n bytes up front: the
// pages of a 256 KiB buffer that a small file never reaches are never touched,
// so they cost no page faults. That was ~4 zeroed 256 KiB buffers, ~260 page
// faults, in every wal-push and wal-fetch of a small file (docs/performance.md,
// "Start-up").
//
// Owns its memory (moveable, not copyable); one owner at a time, no locking.
// Construction throws std::bad_alloc like new[].
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace wale {

class ScratchBuffer {
 public:
  explicit ScratchBuffer(std::size_t size) : data_(std::make_unique_for_overwrite<std::byte[]>(size)), size_(size) {}

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<std::byte> span() { return {data_.get(), size_}; }
  operator std::span<std::byte>() { return span(); }  // NOLINT: reads take a span

 private:
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_;
};

}  // namespace wale
