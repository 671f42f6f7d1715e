#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>

#include "exec/task_group.h"

namespace wale::exec {
namespace {

TEST(TaskGroup, RunsEveryTaskInParallel) {
  std::atomic<int> done{0}, concurrent{0}, peak{0};
  TaskGroup group(3);
  for (int i = 0; i < 20; ++i) {
    group.run([&] {
      int now = ++concurrent;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --concurrent;
      ++done;
    });
  }
  group.wait();
  EXPECT_EQ(done.load(), 20);
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 2);
}

TEST(TaskGroup, FirstFailureCancelsTheRestAndIsRethrown) {
  std::atomic<int> ran{0};
  TaskGroup group(1);
  group.run([] { throw std::runtime_error("boom"); });
  for (int i = 0; i < 10; ++i) group.run([&] { ++ran; });
  EXPECT_THROW(group.wait(), std::runtime_error);
  EXPECT_TRUE(group.cancelled());
  EXPECT_LT(ran.load(), 10);
}

}  // namespace
}  // namespace wale::exec
