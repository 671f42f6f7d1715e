// TaskGroup: runs tasks on up to `parallelism` threads. The first task to
// throw cancels the group (tasks not yet started are skipped; running tasks
// can poll cancelled()) and wait() rethrows that first exception.
// It observes a StopToken (the process's by default, set by SIGINT/SIGTERM/
// SIGHUP): once stop is requested, cancelled() is true, tasks not started are
// skipped, run() queues nothing more, and wait() throws the token's
// Error{Cancelled} (unless a task failed first: then that failure).
// The destructor waits for running tasks (it never throws).
// Thread safety: run()/wait() from the owning thread; cancelled() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/stop_token.h"

namespace wale::exec {

class TaskGroup {
 public:
  explicit TaskGroup(unsigned parallelism, const StopToken& stop = process_stop_token());
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Queues a task. Blocks while `parallelism` tasks are already queued but not
  // started, so producers cannot run far ahead (memory stays bounded).
  void run(std::function<void()> task);
  // Waits for every task; rethrows the first failure.
  void wait();
  bool cancelled() const { return cancelled_.load() || stop_.requested(); }

 private:
  void worker();
  unsigned parallelism_;
  const StopToken& stop_;
  std::mutex mu_;  // guards queue_, running_, stopping_ and first_error_ (the cv_*s wait on it)
  std::condition_variable cv_work_, cv_space_, cv_idle_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  unsigned running_ = 0;
  bool stopping_ = false;
  std::atomic<bool> cancelled_{false};
  std::exception_ptr first_error_;
};

}  // namespace wale::exec
