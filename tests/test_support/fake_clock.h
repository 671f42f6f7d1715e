// FakeClock: the one fake Clock of the unit tests. Time moves only when a
// test (or the code under test) says so, so code that polls, backs off or
// rate-limits runs instantly and deterministically. Thread-safe.
//
// Two ways sleeping can behave:
//  - Sleep::Advances (default): sleep_for(d) moves the clock forward by d at
//    once, as if the sleeper were the only thread (retry backoff, polling
//    loops with a timeout).
//  - Sleep::WaitsForSettle: sleep_for(d) only records the sleeper's wake-up
//    time (now + d); time stays put until settle() moves it to the latest
//    wake-up seen, as if every sleeper woke. For budgets shared by several
//    threads (the rate limiter), where one thread's sleep must not move the
//    time another thread sees.
// Like the real clock, sleep_for() throws Error{Cancelled} once the process
// StopToken is set (core/stop_token.h).
// wall_now() is a fixed start (2026-01-01T00:00:00Z unless given) plus the
// time the clock has moved.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>

#include "core/clock.h"
#include "core/stop_token.h"

namespace wale::test {

class FakeClock final : public Clock {
 public:
  enum class Sleep { Advances, WaitsForSettle };
  static std::chrono::system_clock::time_point default_wall_start() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z
  }

  explicit FakeClock(Sleep mode = Sleep::Advances,
                     std::chrono::system_clock::time_point wall_start = default_wall_start())
      : mode_(mode), wall_start_(wall_start) {}

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return TimePoint(now_);
  }
  void sleep_for(Duration d) override {
    {
      std::lock_guard lock(mu_);
      if (d < Duration::zero()) d = Duration::zero();
      slept_ += d;
      if (mode_ == Sleep::Advances) now_ += d;
      latest_wake_ = std::max(latest_wake_, now_ + (mode_ == Sleep::Advances ? Duration::zero() : d));
    }
    throw_if_stopped();  // like the real clock: a stop request ends the sleep with Error{Cancelled}
  }
  std::chrono::system_clock::time_point wall_now() const override {
    std::lock_guard lock(mu_);
    return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(now_);
  }

  // Moves the time forward by d (whatever the mode).
  void advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
    latest_wake_ = std::max(latest_wake_, now_);
  }
  // Sleep::WaitsForSettle: moves the time to the latest wake-up seen.
  void settle() {
    std::lock_guard lock(mu_);
    now_ = std::max(now_, latest_wake_);
  }
  // The total of every sleep_for so far (all threads).
  Duration slept() const {
    std::lock_guard lock(mu_);
    return slept_;
  }
  // The latest time a sleeper asked to wake at (since the clock's start).
  Duration latest_wake() const {
    std::lock_guard lock(mu_);
    return latest_wake_;
  }

 private:
  const Sleep mode_;
  const std::chrono::system_clock::time_point wall_start_;
  mutable std::mutex mu_;
  Duration now_{};          // time since the clock's start
  Duration latest_wake_{};  // guarded by mu_ like now_ and slept_
  Duration slept_{};
};

}  // namespace wale::test
