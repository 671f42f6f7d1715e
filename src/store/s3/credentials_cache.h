// CredentialsCache: the credentials every S3 request is signed with. Fetches
// them from a CredentialsProvider (aws_credentials.h) on first use and again
// `refresh_margin` before temporary ones expire, also in the middle of a long
// backup. Time comes from an injectable Clock: the steady clock schedules the
// refresh, the wall clock converts the provider's absolute Expiration.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

// Hands out current credentials; fetches them on first use and again
// `refresh_margin` before they expire. If a refresh fails while the old
// credentials are still valid, they are kept, a WARNING is logged, and the
// refresh is retried 10 s later; once they have expired the failure is thrown.
// Thread-safe: get() may be called from any number of threads at once.
class CredentialsCache {
 public:
  static constexpr std::chrono::minutes kDefaultRefreshMargin{5};

  CredentialsCache(std::unique_ptr<CredentialsProvider> provider, std::shared_ptr<Clock> clock = system_clock(),
                   std::chrono::nanoseconds refresh_margin = kDefaultRefreshMargin);
  CredentialsCache(const CredentialsCache&) = delete;
  CredentialsCache& operator=(const CredentialsCache&) = delete;

  AwsCredentials get();
  // The server said the credentials `used` (as get() returned them) have expired: forces
  // a fetch at the next get() if they are still the current ones (so that many threads
  // refused at once cause one fetch). Returns false for credentials that never expire
  // (refetching cannot help); true if the next get() hands out other credentials or fetches.
  bool invalidate(const AwsCredentials& used);
  std::string source_name() const { return provider_->name(); }
  // How many times fetch() succeeded (for tests and the debug log).
  int fetch_count() const;

 private:
  const std::unique_ptr<CredentialsProvider> provider_;
  const std::shared_ptr<Clock> clock_;
  const std::chrono::nanoseconds margin_;
  // Guards every member below. Held during provider_->fetch() too, so that
  // threads needing a refresh wait for one fetch instead of each fetching.
  mutable std::mutex mutex_;
  std::optional<AwsCredentials> current_;
  Clock::TimePoint refresh_at_{};  // steady time of the next fetch (if current_ expires)
  Clock::TimePoint expires_at_{};  // steady time at which current_ is expired
  int fetches_ = 0;
};

}  // namespace wale::store::s3
