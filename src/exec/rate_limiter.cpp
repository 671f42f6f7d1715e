#include "exec/rate_limiter.h"

#include <algorithm>

namespace wale::exec {

RateLimiter::RateLimiter(std::uint64_t bytes_per_second, std::shared_ptr<Clock> clock)
    : rate_(bytes_per_second), clock_(std::move(clock)) {}

void RateLimiter::acquire(std::uint64_t bytes) {
  if (rate_ == 0 || bytes == 0) return;
  Clock::TimePoint start;
  {
    std::lock_guard lock(mu_);
    auto now = clock_->now();
    if (!started_ || next_free_ < now) {
      next_free_ = now;
      started_ = true;
    }
    start = next_free_;
    // Reserve this caller's slot in the shared schedule.
    next_free_ += std::chrono::duration_cast<Clock::Duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
  }
  // Bytes are admitted at the end of their slot: wait until it is over.
  auto end = start + std::chrono::duration_cast<Clock::Duration>(
                         std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
  auto now = clock_->now();
  if (end > now) clock_->sleep_for(end - now);
}

}  // namespace wale::exec
