#include "exec/task_group.h"

namespace wale::exec {

TaskGroup::TaskGroup(unsigned parallelism, const StopToken& stop)
    : parallelism_(parallelism ? parallelism : 1), stop_(stop) {
  threads_.reserve(parallelism_);
  for (unsigned i = 0; i < parallelism_; ++i) threads_.emplace_back([this] { worker(); });
}

TaskGroup::~TaskGroup() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : threads_) t.join();
}

void TaskGroup::run(std::function<void()> task) {
  std::unique_lock lock(mu_);
  // Woken by a worker taking a task; the timeout notices a stop request while every worker is busy.
  while (!cv_space_.wait_for(lock, std::chrono::milliseconds(50),
                             [&] { return queue_.size() < parallelism_ || cancelled(); })) {
  }
  if (cancelled()) return;
  queue_.push_back(std::move(task));
  cv_work_.notify_one();
}

void TaskGroup::wait() {
  std::unique_lock lock(mu_);
  cv_idle_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  if (first_error_) {
    auto e = first_error_;
    first_error_ = nullptr;
    std::rethrow_exception(e);
  }
  stop_.throw_if_requested();
}

void TaskGroup::worker() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    cv_space_.notify_one();
    if (!cancelled()) {
      try {
        task();
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!first_error_) first_error_ = std::current_exception();
        cancelled_.store(true);
        cv_space_.notify_all();
      }
    }
    {
      std::lock_guard lock(mu_);
      --running_;
    }
    cv_idle_.notify_all();
  }
}

}  // namespace wale::exec
