// S3Client: signs and sends single S3 requests over libcurl, with the retry
// policy. Owns a pool of curl handles so connections are reused: each pooled
// easy handle comes with its own multi handle, and every transfer on it (a
// call() or a streamed GET) runs through that multi, so the connection it
// leaves in the multi's cache serves the next request on that handle (keep-
// alive; libcurl cannot share one connection cache between threads safely).
// TLS sessions and DNS answers are shared by all handles (a curl share handle
// with locks), so a second connection resumes the TLS session.
//
// Thread safety: every method may be called from several threads at once
// (the pool is mutex-protected; a leased handle belongs to one thread).
// Errors: wale::Error from s3_errors.h (Transient ones already retried by call()).
// Every request is signed with the credentials the CredentialsCache hands out
// at that moment (refreshed before temporary ones expire). The secret key is
// never logged or put in a message.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/s3/credentials_cache.h"
#include "store/s3/curl_handle.h"
#include "store/s3/retry_policy.h"
#include "store/s3/s3_config.h"
#include "store/s3/sigv4_signer.h"
#include "store/s3/stall_guard.h"

namespace wale::store::s3 {

struct S3Request {
  std::string method = {};               // GET HEAD PUT POST DELETE
  std::string key = {};                  // full key in the bucket (store prefix included); "" = the bucket
  NameValues query = {};                 // raw names/values; encoded and sorted when sent
  NameValues headers = {};               // extra headers; all are signed
  std::span<const std::byte> body = {};  // not owned; must outlive the call
  std::string payload_hash = {};         // x-amz-content-sha256; payload_hash_for() when empty
};

// The x-amz-content-sha256 a request is signed with when it gives none:
//  - over https, for a request with a body and a Content-MD5 header:
//    "UNSIGNED-PAYLOAD" (as the AWS SDKs send over TLS). The body is still
//    verified end to end: the server refuses it unless it matches Content-MD5
//    (BadDigest), the Content-MD5 header itself is signed, and TLS protects
//    the bytes in transit. Each uploaded byte is then hashed once (MD5), not
//    twice (MD5 + SHA-256);
//  - otherwise (plain http, or no Content-MD5): the SHA-256 of the body, hex,
//    so that a body altered in transit cannot match the signature.
std::string payload_hash_for(const S3Request& req, std::string_view scheme);
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct S3Response {
  long status = 0;
  NameValues headers = {};  // names lowercased, in arrival order (final response only)
  std::string body = {};
  std::string header(std::string_view lower_name) const;  // "" if absent
};

class S3Client {
 public:
  // Validates the config (throws Error{Config}).
  explicit S3Client(S3Config config);
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const noexcept { return config_; }
  const RetryPolicy& retry() const noexcept { return retry_; }

  // One attempt. Returns any complete HTTP reply (whatever its status);
  // throws curl_error(...) when there is none (connection failure, timeout).
  // A reply saying the temporary credentials expired (credentials_expired)
  // is not returned: new ones are fetched and the request is sent once more
  // at once, for every caller (call(), CompleteMultipartUpload).
  // A stop request (core/stop_token.h) aborts the transfer and throws
  // Error{Cancelled}, unless `stoppable` is false (clean-up requests).
  S3Response perform(const S3Request& req, std::string_view op, bool stoppable = true);

  // perform() under the retry policy. Returns replies with status 2xx or in
  // `accept`; any other status throws http_error(...) (retried if Transient).
  S3Response call(const S3Request& req, std::string_view op, std::initializer_list<long> accept = {},
                  const std::atomic<bool>* cancel = nullptr);

  // "s3://bucket/key" for messages (key is the full key in the bucket).
  std::string location(std::string_view key) const;

  // An easy handle and the multi handle that drives it (and keeps its idle
  // connection); the easy handle is never left added to the multi.
  struct PooledHandle {
    CurlMulti multi;
    CurlEasy easy;
  };
  // A pooled handle, returned to the pool when the lease dies.
  class Lease {
   public:
    Lease(S3Client& owner, PooledHandle handle) : owner_(&owner), handle_(std::move(handle)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    CURL* get() const noexcept { return handle_.easy.get(); }
    CURLM* multi() const noexcept { return handle_.multi.get(); }

   private:
    S3Client* owner_;
    PooledHandle handle_;
  };
  Lease acquire();

  // Multipart part buffers, shared by all uploads of this client so that
  // memory stays bounded by the parts in flight, not by how many objects are
  // uploaded at once:
  //  - take_part_buffer(n): an empty buffer with capacity >= n (a recycled one
  //    when available: no allocation churn, no heap fragmentation).
  //  - give_part_buffer(b): returns one (a few are kept; the rest are freed).
  //  - acquire_upload_slot(): blocks until fewer than config.parts_in_flight
  //    part uploads of this client are running; the slot is freed when the
  //    returned object dies. Throws Error{Cancelled} if `cancel` becomes true.
  std::vector<std::byte> take_part_buffer(std::size_t n);
  void give_part_buffer(std::vector<std::byte> b) noexcept;
  class UploadSlot {
   public:
    explicit UploadSlot(S3Client* owner) : owner_(owner) {}
    UploadSlot(UploadSlot&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
    UploadSlot& operator=(UploadSlot&&) = delete;
    ~UploadSlot() { release(); }
    void release() noexcept;  // frees the slot now (idempotent)

   private:
    S3Client* owner_;
  };
  UploadSlot acquire_upload_slot(const std::atomic<bool>* cancel);

  // Counters since construction, for tests and the debug log: requests sent
  // (every prepare(): attempts, resumes) and new connections they opened.
  struct Stats {
    std::uint64_t requests = 0;
    std::uint64_t connections = 0;
  };
  Stats stats() const noexcept { return {requests_.load(), connections_.load()}; }
  // Adds the connections `h`'s last transfer opened (CURLINFO_NUM_CONNECTS)
  // to stats(); called once after every transfer.
  void count_connections(CURL* h) noexcept;

  // The credentials requests are signed with (never null).
  CredentialsCache& credentials() const noexcept { return *credentials_; }

  // Configures `h` (after curl_easy_reset) for req: URL, method, signed
  // headers (written into `headers`, which must outlive the transfer), TLS
  // and timeouts. Body and response callbacks are left to the caller.
  void prepare(CURL* h, const S3Request& req, CurlHeaderList& headers);

  // Turns a non-2xx reply into the Error to throw.
  Error reply_error(const S3Response& resp, const S3Request& req, std::string_view op) const;
  // True if `resp` says the temporary credentials `used` (as credentials().get()
  // returned them before the request) have expired (ExpiredToken,
  // TokenRefreshRequired) and new ones will be fetched: repeat the request once.
  // perform() does; a caller driving its own transfer (S3DownloadSource) asks.
  bool credentials_expired(const S3Response& resp, const AwsCredentials& used);
  // The curl_error text for a transfer a StallGuard aborted.
  std::string stall_message() const;

 private:
  // perform() without the expired-credentials repetition.
  S3Response perform_once(const S3Request& req, std::string_view op, bool stoppable);
  std::string url_for(const S3Request& req, std::string& host_header, std::string& canonical_uri) const;
  void release(PooledHandle handle) noexcept;

  S3Config config_;
  std::shared_ptr<CredentialsCache> credentials_;
  RetryPolicy retry_;
  CurlShare share_;  // TLS sessions and DNS of all handles; outlives pool_ (declared before it)
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::mutex pool_mutex_;  // guards pool_ (idle handles; a handle in use belongs to one request)
  std::vector<PooledHandle> pool_;
  std::mutex parts_mutex_;  // guards part_buffers_ and uploads_running_
  std::condition_variable slot_freed_;
  std::vector<std::vector<std::byte>> part_buffers_;  // idle part buffers
  int uploads_running_ = 0;
};

}  // namespace wale::store::s3
