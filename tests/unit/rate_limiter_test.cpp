#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/rate_limiter.h"

namespace wale::exec {
namespace {

// A fake clock: sleeping advances a shared virtual time (per thread, the
// sleeper's own wake-up time), so tests run instantly and deterministically.
class FakeClock final : public Clock {
 public:
  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void sleep_for(Duration d) override {
    std::lock_guard lock(mu_);
    total_sleep_ += d;
    if (now_ + d > latest_wake_) latest_wake_ = now_ + d;
  }
  // Moves time to the latest wake-up seen (as if all sleepers woke).
  void settle() {
    std::lock_guard lock(mu_);
    now_ = latest_wake_;
  }
  std::chrono::system_clock::time_point wall_now() const override { return {}; }
  Duration latest_wake() const {
    std::lock_guard lock(mu_);
    return latest_wake_.time_since_epoch();
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_{};
  TimePoint latest_wake_{};
  Duration total_sleep_{};
};

TEST(RateLimiter, OneSharedBudgetAcrossThreads) {
  auto clock = std::make_shared<FakeClock>();
  RateLimiter limiter(1000000, clock);  // 1 MB/s for everyone together
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) limiter.acquire(100000);
    });
  }
  for (auto& th : threads) th.join();
  // 4 threads x 5 x 100 kB = 2 MB at 1 MB/s: the last byte is admitted at 2 s,
  // not at 0.5 s as a per-worker split (4 x 1 MB/s) would allow.
  double seconds = std::chrono::duration<double>(clock->latest_wake()).count();
  EXPECT_NEAR(seconds, 2.0, 0.01);
}

TEST(RateLimiter, IdleTimeIsNotBankedAsBurst) {
  auto clock = std::make_shared<FakeClock>();
  RateLimiter limiter(1000, clock);
  limiter.acquire(1000);
  clock->settle();  // t = 1 s
  limiter.acquire(500);
  EXPECT_NEAR(std::chrono::duration<double>(clock->latest_wake()).count(), 1.5, 0.001);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  auto clock = std::make_shared<FakeClock>();
  RateLimiter limiter(0, clock);
  limiter.acquire(1ULL << 40);
  EXPECT_EQ(clock->latest_wake().count(), 0);
}

}  // namespace
}  // namespace wale::exec
