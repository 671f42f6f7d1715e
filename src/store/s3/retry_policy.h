// RetryPolicy: the S3 driver's one retry loop. Runs an operation up to
// max_attempts times while it throws a retryable wale::Error (ErrorCode::Transient),
// sleeping a "full jitter" exponential backoff in between:
//   delay(n) = uniform(0, min(max_delay, base_delay * 2^(n-1)))   (n = failures so far)
// Non-retryable errors propagate at once; after the last attempt the last
// error propagates, with "(gave up after N attempts)" appended to its detail.
// Thread-safe (const; the clock is thread-safe). Retries are logged as
// warnings without any secret (only the error's message).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"

namespace wale::store::s3 {

class RetryPolicy {
 public:
  RetryPolicy(int max_attempts, std::chrono::milliseconds base_delay, std::chrono::milliseconds max_delay,
              std::shared_ptr<Clock> clock = system_clock());

  // The backoff ceiling before attempt n+1 after n failures (n >= 1), without jitter.
  std::chrono::milliseconds ceiling(int failures) const noexcept;
  // A jittered delay in [0, ceiling(failures)], using `random` (any 64-bit value).
  std::chrono::milliseconds delay(int failures, std::uint64_t random) const noexcept;

  int max_attempts() const noexcept { return max_attempts_; }

  // Runs op; `what` names the operation in retry warnings ("PUT s3://b/k").
  // If cancel is set (checked between attempts), stops with the last error.
  void run(const std::string& what, const std::function<void()>& op, const std::atomic<bool>* cancel = nullptr) const;

 private:
  int max_attempts_;
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::shared_ptr<Clock> clock_;
};

}  // namespace wale::store::s3
