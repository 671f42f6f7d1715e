// Clock: injectable time source so that rate limits, retries and timeouts can
// be tested with a fake clock. Implementations must be thread-safe.
// The real clock's sleep_for() wakes within ~20 ms of a stop request
// (core/stop_token.h) and then throws Error{Cancelled}.
#pragma once

#include <chrono>
#include <memory>

namespace wale {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual void sleep_for(Duration d) = 0;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

// The real clock (steady_clock + system_clock). Shared, never null.
std::shared_ptr<Clock> system_clock();

}  // namespace wale
