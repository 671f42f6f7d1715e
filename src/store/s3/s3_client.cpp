#include "store/s3/s3_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/error.h"
#include "core/stop_token.h"
#include "store/s3/digest.h"
#include "store/s3/s3_errors.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {
namespace {

constexpr std::size_t kMaxReplyBody = 64u << 20;  // listings and error documents are far smaller

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct UploadState {
  std::span<const std::byte> body;
  std::size_t pos = 0;
};

std::size_t read_body(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* st = static_cast<UploadState*>(user);
  std::size_t want = std::min(size * n, st->body.size() - st->pos);
  if (want > 0) std::memcpy(buf, st->body.data() + st->pos, want);
  st->pos += want;
  return want;
}

int seek_body(void* user, curl_off_t offset, int origin) {
  auto* st = static_cast<UploadState*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > st->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  st->pos = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

std::size_t collect_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* resp = static_cast<S3Response*>(user);
  std::size_t len = size * n;
  if (resp->body.size() + len > kMaxReplyBody) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  resp->body.append(data, len);
  return len;
}

// Sockets are close-on-exec: a kept-alive connection must not leak into the
// processes wal-e starts (push-ahead and prefetch workers, gpg).
curl_socket_t open_cloexec_socket(void*, curlsocktype, curl_sockaddr* address) {
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// curl_easy_perform(h), but on `multi`, whose connection cache keeps the
// connection for the handle's next request (a streamed GET uses the same multi).
CURLcode run_on(CURLM* multi, CURL* h) {
  if (curl_multi_add_handle(multi, h) != CURLM_OK) throw Error(ErrorCode::Internal, "curl_multi_add_handle failed");
  CURLcode rc = CURLE_OK;
  CURLMcode mc = CURLM_OK;
  bool done = false;
  while (!done && mc == CURLM_OK) {
    int running = 0;
    mc = curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
        rc = msg->data.result;
        done = true;
      }
    }
    if (!done && mc == CURLM_OK) mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  curl_multi_remove_handle(multi, h);
  if (mc != CURLM_OK) throw Error(ErrorCode::Internal, std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
  return rc;
}

}  // namespace

std::size_t collect_header(char* data, std::size_t size, std::size_t n, void* user);
std::size_t collect_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<NameValues*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    headers->clear();  // a new response (after 100 Continue or a redirect)
    return len;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  headers->emplace_back(lower(line.substr(0, colon)), std::string(value));
  return len;
}

std::string payload_hash_for(const S3Request& req, std::string_view scheme) {
  bool has_md5 = std::any_of(req.headers.begin(), req.headers.end(),
                             [](const auto& p) { return lower(p.first) == "content-md5"; });
  if (scheme == "https" && !req.body.empty() && has_md5) return std::string(kUnsignedPayload);
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(req.body.data()), req.body.size()));
}

std::string S3Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

S3Client::S3Client(S3Config config)
    : config_((validate(config), std::move(config))),
      credentials_(config_.credentials
                       ? config_.credentials
                       : std::make_shared<CredentialsCache>(make_static_provider(
                             {config_.access_key_id, config_.secret_access_key, config_.session_token, std::nullopt}))),
      retry_(config_.retries, config_.retry_base_delay, config_.retry_max_delay) {
  ensure_curl_global_init();
  // "<bucket>.<IP address>" is no host name: IP endpoints always use path-style addressing.
  const std::string& h = config_.endpoint.host;
  bool ip_literal = h.find(':') != std::string::npos ||
                    std::all_of(h.begin(), h.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
  if (ip_literal) config_.endpoint.addressing = Addressing::Path;
}

S3Client::Lease::~Lease() {
  if (handle_.easy) owner_->release(std::move(handle_));
}

S3Client::Lease S3Client::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      PooledHandle h = std::move(pool_.back());
      pool_.pop_back();
      return Lease(*this, std::move(h));
    }
  }
  PooledHandle h{CurlMulti(curl_multi_init()), CurlEasy(curl_easy_init())};
  if (!h.easy || !h.multi) throw Error(ErrorCode::Internal, "curl_easy_init or curl_multi_init failed");
  return Lease(*this, std::move(h));
}

void S3Client::release(PooledHandle handle) noexcept {
  std::lock_guard lock(pool_mutex_);
  if (pool_.size() < 16) pool_.push_back(std::move(handle));
}

std::vector<std::byte> S3Client::take_part_buffer(std::size_t n) {
  {
    std::lock_guard lock(parts_mutex_);
    for (auto it = part_buffers_.begin(); it != part_buffers_.end(); ++it) {
      if (it->capacity() >= n) {
        std::vector<std::byte> b = std::move(*it);
        part_buffers_.erase(it);
        b.clear();
        return b;
      }
    }
    // None is large enough (parts grow on very large objects): free one of the too-small ones.
    if (!part_buffers_.empty()) part_buffers_.erase(part_buffers_.begin());
  }
  std::vector<std::byte> b;
  b.reserve(n);
  return b;
}

void S3Client::give_part_buffer(std::vector<std::byte> b) noexcept {
  std::lock_guard lock(parts_mutex_);
  if (part_buffers_.size() < static_cast<std::size_t>(config_.parts_in_flight) + 2) {
    part_buffers_.push_back(std::move(b));
  }
}

void S3Client::UploadSlot::release() noexcept {
  S3Client* owner = std::exchange(owner_, nullptr);
  if (owner == nullptr) return;
  {
    std::lock_guard lock(owner->parts_mutex_);
    --owner->uploads_running_;
  }
  owner->slot_freed_.notify_all();
}

S3Client::UploadSlot S3Client::acquire_upload_slot(const std::atomic<bool>* cancel) {
  std::unique_lock lock(parts_mutex_);
  while (uploads_running_ >= config_.parts_in_flight) {
    if (cancel != nullptr && cancel->load()) throw Error(ErrorCode::Cancelled, "upload abandoned");
    slot_freed_.wait_for(lock, std::chrono::milliseconds(100));
  }
  ++uploads_running_;
  return UploadSlot(this);
}

void S3Client::count_connections(CURL* h) noexcept {
  long n = 0;
  if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
    connections_ += static_cast<std::uint64_t>(n);
}

std::string S3Client::location(std::string_view key) const {
  return "s3://" + config_.bucket + (key.empty() ? "" : "/" + std::string(key));
}

std::string S3Client::url_for(const S3Request& req, std::string& host_header, std::string& canonical_uri) const {
  const S3Endpoint& ep = config_.endpoint;
  std::string host = ep.host;
  if (ep.addressing == Addressing::VirtualHost) host = config_.bucket + "." + host;
  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  host_header = url_host;
  bool default_port =
      ep.port == 0 || (ep.scheme == "https" && ep.port == 443) || (ep.scheme == "http" && ep.port == 80);
  if (!default_port) host_header += ":" + std::to_string(ep.port);
  if (ep.addressing == Addressing::Path) {
    canonical_uri = "/" + uri_encode(config_.bucket, false);
    if (!req.key.empty()) canonical_uri += "/" + uri_encode(req.key, true);
  } else {
    canonical_uri = "/" + uri_encode(req.key, true);
  }
  std::string url = ep.scheme + "://" + host_header + canonical_uri;
  std::string q = canonical_query(req.query);
  if (!q.empty()) url += "?" + q;
  return url;
}

void S3Client::prepare(CURL* h, const S3Request& req, CurlHeaderList& headers) {
  curl_easy_reset(h);  // keeps the handle's connection cache and TLS session
  ++requests_;
  std::string host_header, canonical_uri;
  std::string url = url_for(req, host_header, canonical_uri);
  std::string payload_hash =
      req.payload_hash.empty() ? payload_hash_for(req, config_.endpoint.scheme) : req.payload_hash;
  std::string amz_date = SigV4Signer::amz_date_now();
  SignableRequest sreq;
  sreq.method = req.method;
  sreq.canonical_uri = canonical_uri;
  sreq.query = canonical_query(req.query);
  sreq.payload_hash = payload_hash;
  sreq.headers = {{"host", host_header}, {"x-amz-date", amz_date}, {"x-amz-content-sha256", payload_hash}};
  AwsCredentials creds = credentials_->get();
  if (!creds.session_token.empty()) sreq.headers.emplace_back("x-amz-security-token", creds.session_token);
  for (const auto& hv : req.headers) sreq.headers.push_back(hv);
  for (const auto& [n, v] : sreq.headers) headers.append(n + ": " + v);
  SigV4Signer signer(creds.access_key_id, creds.secret_access_key, config_.region);
  headers.append("Authorization: " + signer.authorization(sreq, amz_date));
  headers.append("Expect:");  // no 100-continue round trip
  if (req.method == "PUT" || req.method == "POST") {
    bool has_type = std::any_of(req.headers.begin(), req.headers.end(),
                                [](const auto& p) { return lower(p.first) == "content-type"; });
    if (!has_type) headers.append("Content-Type:");  // no form-urlencoded default
  }

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());  // libcurl copies strings
  curl_easy_setopt(h, CURLOPT_SHARE, share_.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_cloexec_socket);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));  // S3 speaks HTTP/1.1
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>((config_.low_speed_timeout.count() + 999) / 1000)));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.verify_tls ? 2L : 0L);
  if (!config_.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_bundle.c_str());
  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    if (req.method == "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

S3Response S3Client::perform(const S3Request& req, std::string_view op, bool stoppable) {
  AwsCredentials used = credentials_->get();  // what perform_once() signs with, unless a refresh is due right now
  S3Response resp = perform_once(req, op, stoppable);
  // Temporary credentials the server already considers expired (clock skew,
  // a revoked session): fetch new ones and try once more at once.
  if (credentials_expired(resp, used)) resp = perform_once(req, op, stoppable);
  return resp;
}

S3Response S3Client::perform_once(const S3Request& req, std::string_view op, bool stoppable) {
  Lease lease = acquire();
  CURL* h = lease.get();
  CurlHeaderList headers;
  prepare(h, req, headers);
  S3Response resp;
  UploadState up{req.body, 0};
  if (req.method == "PUT" || req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_body);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &up);
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  StallGuard guard(config_.low_speed_timeout);
  guard.install(h);
  guard.stoppable = stoppable;
  CURLcode rc = run_on(lease.multi(), h);
  count_connections(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc == CURLE_ABORTED_BY_CALLBACK && guard.stopped) throw process_stop_token().error();
  if (rc == CURLE_ABORTED_BY_CALLBACK && guard.fired) {
    throw curl_error(CURLE_OPERATION_TIMEDOUT, stall_message(), op, location(req.key));
  }
  if (rc != CURLE_OK) throw curl_error(rc, errbuf, op, location(req.key));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

std::string S3Client::stall_message() const {
  return "no data moved for " + std::to_string(config_.low_speed_timeout.count()) + " ms (stalled connection)";
}

Error S3Client::reply_error(const S3Response& resp, const S3Request& req, std::string_view op) const {
  std::string code, message;
  if (auto e = parse_error(resp.body)) {
    code = e->code;
    message = e->message;
  }
  if (code.empty() && resp.status == 404 && req.key.empty()) code = "NoSuchBucket";
  Error e = http_error(resp.status, code, message, op, location(req.key), config_.bucket);
  // Settings the server may refuse with a generic code: say which one is likely at fault.
  std::string cause;
  if ((code == "InvalidRequest" || code == "InvalidArgument" || code == "NotImplemented") && !config_.sse.empty() &&
      (req.method == "PUT" || req.method == "POST")) {
    cause = "the server refused server-side encryption " + config_.sse;
    if (config_.endpoint.scheme == "http") cause += " (Ceph radosgw accepts it only over https)";
    return Error(ErrorCode::Config, e.message() + ": " + cause, e.detail(),
                 "Use an https endpoint, or turn server-side encryption off for this server.");
  }
  if (code == "InvalidArgument" && !config_.storage_class.empty() && (req.method == "PUT" || req.method == "POST")) {
    return Error(ErrorCode::Config, e.message() + ": the server may not know storage class " + config_.storage_class,
                 e.detail(), "Check WALE_S3_STORAGE_CLASS.");
  }
  return e;
}

bool S3Client::credentials_expired(const S3Response& resp, const AwsCredentials& used) {
  if (resp.status != 400 && resp.status != 403) return false;
  auto e = parse_error(resp.body);
  return e && (e->code == "ExpiredToken" || e->code == "TokenRefreshRequired") && credentials_->invalidate(used);
}

S3Response S3Client::call(const S3Request& req, std::string_view op, std::initializer_list<long> accept,
                          const std::atomic<bool>* cancel) {
  S3Request signed_req = req;  // the payload hash is computed once, not per attempt
  if (signed_req.payload_hash.empty()) signed_req.payload_hash = payload_hash_for(req, config_.endpoint.scheme);
  S3Response out;
  retry_.run(
      std::string(op) + " " + location(req.key),
      [&] {
        S3Response resp = perform(signed_req, op);
        bool ok = (resp.status >= 200 && resp.status < 300) ||
                  std::find(accept.begin(), accept.end(), resp.status) != accept.end();
        if (!ok) throw reply_error(resp, signed_req, op);
        out = std::move(resp);
      },
      cancel);
  return out;
}

}  // namespace wale::store::s3
