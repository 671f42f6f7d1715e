// process_gone: the one liveness check behind stale temporaries, push-ahead
// claims and postmaster.pid.
#include "core/process.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wale {
namespace {

TEST(ProcessGone, OnlyAProcessThatNoLongerExistsIsGone) {
  EXPECT_FALSE(process_gone(::getpid()));
  EXPECT_FALSE(process_gone(1)) << "init exists (EPERM or not, it is not gone)";
  EXPECT_FALSE(process_gone(0));
  EXPECT_FALSE(process_gone(-5));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(process_gone(child)) << "a reaped child is gone";
}

}  // namespace
}  // namespace wale
