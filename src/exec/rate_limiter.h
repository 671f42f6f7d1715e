// RateLimiter: one shared byte budget for many threads (a token bucket with
// no burst). acquire(n) returns when n more bytes fit the rate, sleeping on the
// injected Clock, so the total rate across all callers stays at or below
// bytes_per_second — it is not divided per worker.
// Thread-safe. A rate of 0 means unlimited.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/clock.h"

namespace wale::exec {

class RateLimiter {
 public:
  RateLimiter(std::uint64_t bytes_per_second, std::shared_ptr<Clock> clock);
  void acquire(std::uint64_t bytes);
  std::uint64_t rate() const { return rate_; }

 private:
  std::uint64_t rate_;
  std::shared_ptr<Clock> clock_;
  std::mutex mu_;  // guards next_free_ and started_
  Clock::TimePoint next_free_{};
  bool started_ = false;
};

}  // namespace wale::exec
