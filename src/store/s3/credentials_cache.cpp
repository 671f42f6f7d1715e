#include "store/s3/credentials_cache.h"

#include <algorithm>

#include "core/error.h"
#include "core/log.h"

namespace wale::store::s3 {
namespace {
constexpr std::chrono::seconds kRetryAfterFailedRefresh{10};
}  // namespace

CredentialsCache::CredentialsCache(std::unique_ptr<CredentialsProvider> provider, std::shared_ptr<Clock> clock,
                                   std::chrono::nanoseconds refresh_margin)
    : provider_(std::move(provider)), clock_(std::move(clock)), margin_(refresh_margin) {
  if (!provider_ || !clock_) throw Error(ErrorCode::Internal, "CredentialsCache needs a provider and a clock");
}

AwsCredentials CredentialsCache::get() {
  std::lock_guard lock(mutex_);
  Clock::TimePoint now = clock_->now();
  if (current_ && (!current_->expiration || now < refresh_at_)) return *current_;
  AwsCredentials fresh;
  try {
    fresh = provider_->fetch();
  } catch (const Error& e) {
    // Still valid: keep signing with them and try again shortly.
    if (current_ && now < expires_at_) {
      refresh_at_ = now + kRetryAfterFailedRefresh;
      log::warning("wal_e.store.s3", {"could not refresh AWS credentials from the " + provider_->name() +
                                          "; using the current ones until they expire",
                                      e.message(),
                                      {},
                                      {}});
      return *current_;
    }
    throw;
  }
  ++fetches_;
  if (fresh.expiration) {
    // The provider's Expiration is wall-clock time; schedule on the steady clock.
    auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(*fresh.expiration - clock_->wall_now());
    expires_at_ = now + remaining;
    // Credentials that live shorter than the margin: refresh halfway, not on every request.
    refresh_at_ =
        remaining > margin_ ? expires_at_ - margin_ : now + std::max(std::chrono::nanoseconds(0), remaining / 2);
    // The first fetch is routine (every wal-push does one); a refresh is worth a line.
    log::write(current_ ? log::Level::Info : log::Level::Debug, "wal_e.store.s3",
               {std::string(current_ ? "refreshed" : "fetched") + " AWS credentials from the " + provider_->name() +
                    "; they expire in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(remaining).count()) + " s",
                {},
                {},
                {}});
  }
  // Fetched secrets join the environment's in the log's redaction list, so a
  // server that echoes a token in an error message cannot put it in a log.
  log::add_secret(fresh.secret_access_key);
  log::add_secret(fresh.session_token);
  current_ = std::move(fresh);
  return *current_;
}

bool CredentialsCache::invalidate(const AwsCredentials& used) {
  std::lock_guard lock(mutex_);
  if (!current_ || !current_->expiration) return false;
  bool still_current = current_->access_key_id == used.access_key_id && current_->session_token == used.session_token;
  if (still_current) refresh_at_ = clock_->now();  // else another thread already refreshed
  return true;
}

int CredentialsCache::fetch_count() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

}  // namespace wale::store::s3
