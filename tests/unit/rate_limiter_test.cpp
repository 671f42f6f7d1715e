#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/rate_limiter.h"
#include "test_support/fake_clock.h"

namespace wale::exec {
namespace {

// Sleeping records each sleeper's wake-up time without moving the time
// other threads see, so the shared budget is measured, not serialised.
std::shared_ptr<test::FakeClock> make_clock() {
  return std::make_shared<test::FakeClock>(test::FakeClock::Sleep::WaitsForSettle);
}

TEST(RateLimiter, OneSharedBudgetAcrossThreads) {
  auto clock = make_clock();
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
  auto clock = make_clock();
  RateLimiter limiter(1000, clock);
  limiter.acquire(1000);
  clock->settle();  // t = 1 s
  limiter.acquire(500);
  EXPECT_NEAR(std::chrono::duration<double>(clock->latest_wake()).count(), 1.5, 0.001);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  auto clock = make_clock();
  RateLimiter limiter(0, clock);
  limiter.acquire(1ULL << 40);
  EXPECT_EQ(clock->latest_wake().count(), 0);
}

}  // namespace
}  // namespace wale::exec
