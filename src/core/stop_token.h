// StopToken: the one "stop now" request of the process.
//
// The signal handlers (app/signals.h) call request(signo) on process_stop_token();
// every long-running loop polls it: exec::TaskGroup (tasks not started are
// skipped, wait() throws), io::copy and the tar extractor (per chunk and per
// member), wait loops, retry back-offs, libcurl transfers (progress
// callback) and libpq queries (cancelled). A stopped operation throws stop_error(): Error{Cancelled,
// "interrupted by SIGTERM"}; the exceptions unwind, so every RAII cleanup
// runs (AtomicFileSink unlinks its temp file, S3UploadSink aborts its
// multipart upload, backup-fetch empties its target), and main exits 128+signo.
//
// Thread/signal safety: request(), requested() and signal() are lock-free and
// async-signal-safe (one std::atomic<int>); the rest may allocate. reset() is
// for tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "core/error.h"

namespace wale {

class StopToken {
 public:
  constexpr StopToken() = default;
  StopToken(const StopToken&) = delete;
  StopToken& operator=(const StopToken&) = delete;

  // Asks every operation to stop; the first signal number is kept. Async-signal-safe.
  void request(int signo) noexcept {
    int expected = 0;
    signo_.compare_exchange_strong(expected, signo > 0 ? signo : kNoSignal);
  }
  bool requested() const noexcept { return signo_.load(std::memory_order_relaxed) != 0; }
  // The signal that asked to stop (SIGTERM...), or 0 (not requested, or not by a signal).
  int signal() const noexcept {
    int s = signo_.load(std::memory_order_relaxed);
    return s == kNoSignal ? 0 : s;
  }
  // Error{Cancelled, "interrupted by SIGTERM"} (or "interrupted" without a signal).
  Error error() const;
  void throw_if_requested() const {
    if (requested()) throw error();
  }
  // Sleeps for d, waking within ~20 ms of a stop request; then throws if stopped.
  void sleep_for(std::chrono::nanoseconds d) const;
  // Tests only: forget a request.
  void reset() noexcept { signo_.store(0); }

 private:
  static constexpr int kNoSignal = -1;
  std::atomic<int> signo_{0};
  static_assert(std::atomic<int>::is_always_lock_free);
};

// The process's token (a constant-initialised global: safe in a signal handler).
StopToken& process_stop_token() noexcept;

// Shorthands for process_stop_token().
inline bool stop_requested() noexcept { return process_stop_token().requested(); }
inline void throw_if_stopped() { process_stop_token().throw_if_requested(); }

// "SIGTERM" for 15 etc.; "signal N" for others.
std::string signal_name(int signo);

}  // namespace wale
