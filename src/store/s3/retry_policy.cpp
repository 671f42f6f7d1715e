#include "store/s3/retry_policy.h"

#include <algorithm>
#include <random>

#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"

namespace wale::store::s3 {

RetryPolicy::RetryPolicy(int max_attempts, std::chrono::milliseconds base_delay, std::chrono::milliseconds max_delay,
                         std::shared_ptr<Clock> clock)
    : max_attempts_(std::max(1, max_attempts)),
      base_(std::max(std::chrono::milliseconds(1), base_delay)),
      max_(std::max(base_, max_delay)),
      clock_(std::move(clock)) {}

std::chrono::milliseconds RetryPolicy::ceiling(int failures) const noexcept {
  auto d = base_;
  for (int i = 1; i < failures && d < max_; ++i) d *= 2;
  return std::min(d, max_);
}

std::chrono::milliseconds RetryPolicy::delay(int failures, std::uint64_t random) const noexcept {
  auto c = static_cast<std::uint64_t>(ceiling(failures).count());
  return std::chrono::milliseconds(static_cast<std::int64_t>(random % (c + 1)));
}

void RetryPolicy::run(const std::string& what, const std::function<void()>& op, const std::atomic<bool>* cancel) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    try {
      op();
      return;
    } catch (const Error& e) {
      bool stop = cancel != nullptr && cancel->load();
      if (!is_retryable(e.code()) || stop) throw;
      throw_if_stopped();  // SIGINT/SIGTERM/SIGHUP: no further attempt
      if (attempt >= max_attempts_) {
        std::string detail = e.detail();
        if (!detail.empty()) detail += " ";
        detail += "(gave up after " + std::to_string(attempt) + " attempts)";
        throw Error(e.code(), e.message(), detail, e.hint());
      }
      auto d = delay(attempt, rng());
      log::Record rec;
      rec.msg = "retrying " + what + " after a transient failure";
      rec.detail = e.message();
      rec.fields = {{"attempt", std::to_string(attempt)},
                    {"max_attempts", std::to_string(max_attempts_)},
                    {"delay_ms", std::to_string(d.count())}};
      log::warning("wal_e.store.s3", std::move(rec));
      clock_->sleep_for(d);
    }
  }
}

}  // namespace wale::store::s3
