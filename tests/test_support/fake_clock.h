// A fake Clock for unit tests: sleeping advances the time at once, so code
// that polls or backs off runs instantly. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.h"

namespace wale::test {

class FakeClock final : public Clock {
 public:
  TimePoint now() const override { return TimePoint(slept()); }
  void sleep_for(Duration d) override { slept_ns_ += d.count(); }
  std::chrono::system_clock::time_point wall_now() const override { return {}; }
  // The total time slept so far.
  Duration slept() const { return Duration(slept_ns_.load()); }

 private:
  std::atomic<Duration::rep> slept_ns_{0};
};

}  // namespace wale::test
