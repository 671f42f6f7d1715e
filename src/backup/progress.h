// Progress: counts bytes done by many threads; on a terminal (stderr is a
// tty) a background thread redraws one line "label: done / total (pct) at
// rate, ETA"; elsewhere it prints nothing (commands log one summary line).
// Thread-safe: add() from any thread. The destructor stops the redraw thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace wale::backup {

class Progress {
 public:
  Progress(std::string label, std::uint64_t total_bytes, bool show);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t bytes) { done_.fetch_add(bytes, std::memory_order_relaxed); }
  double seconds() const;
  // "1.2 GiB", for messages.
  static std::string human(double bytes);
  // The line as drawn (for tests).
  std::string line() const;

 private:
  void run();
  std::string label_;
  std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  bool show_;
  std::mutex mu_;  // guards stop_ (cv_ wakes the redraw thread); done_ is atomic
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// True when stderr is a terminal.
bool stderr_is_terminal();

}  // namespace wale::backup
