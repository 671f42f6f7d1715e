#include "store/s3/s3_download_source.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>

#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "store/s3/digest.h"
#include "store/s3/s3_errors.h"

namespace wale::store::s3 {
namespace {

constexpr std::size_t kPauseAt = 1u << 20;       // pause the transfer with this much unread
constexpr std::size_t kMaxErrorBody = 1u << 20;  // error documents are small

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_hex32(std::string_view s) {
  return s.size() == 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

struct S3DownloadSource::Transfer {
  Transfer(S3Client& c, std::chrono::milliseconds stall_limit)
      : client(c), lease(c.acquire()), multi(lease.multi()), guard(stall_limit) {}
  ~Transfer() {
    // A finished transfer leaves its connection in the lease's multi for the next request.
    if (added) curl_multi_remove_handle(multi, lease.get());
    client.count_connections(lease.get());
  }
  std::size_t buffered() const { return buffer.size() - pos; }

  S3Client& client;
  S3Client::Lease lease;
  CURLM* multi;  // the lease's
  CurlHeaderList headers;
  StallGuard guard;
  std::chrono::steady_clock::time_point last_pump = std::chrono::steady_clock::now();
  NameValues resp_headers;
  long expected_status = 200;
  long status = 0;
  bool status_known = false;
  bool accept_body = false;
  bool done = false;
  bool added = false;
  bool paused = false;
  CURLcode result = CURLE_OK;
  std::string buffer;
  std::size_t pos = 0;
  std::string error_body;
  char errbuf[CURL_ERROR_SIZE] = {0};

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : resp_headers) {
      if (n == name) return v;
    }
    return {};
  }
};

namespace {

using Transfer = S3DownloadSource::Transfer;

void note_status(Transfer* t) {
  if (t->status_known) return;
  long code = 0;
  curl_easy_getinfo(t->lease.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code < 200) return;  // 1xx interim, or no reply yet
  t->status = code;
  t->status_known = true;
  t->accept_body = code == t->expected_status;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    t->resp_headers.clear();
  } else if (line.empty()) {
    note_status(t);  // end of a header block
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    t->resp_headers.emplace_back(lower(line.substr(0, colon)), std::string(v));
  }
  return len;
}

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  note_status(t);
  if (!t->accept_body) {
    if (t->error_body.size() < kMaxErrorBody) t->error_body.append(data, len);
    return len;
  }
  if (t->buffered() >= kPauseAt) {
    t->paused = true;
    t->guard.paused = true;       // a consumer that is slow is not a stalled server
    return CURL_WRITEFUNC_PAUSE;  // libcurl delivers these bytes again after unpausing
  }
  if (t->pos == t->buffer.size()) {
    t->buffer.clear();
    t->pos = 0;
  }
  t->buffer.append(data, len);
  return len;
}

}  // namespace

// Checks the streamed bytes against the ETag: MD5 for single-PUT objects, MD5 of
// part MD5s for multipart objects whose part size is known (x-amz-meta-wale-part-size).
class S3DownloadSource::Verifier {
 public:
  Verifier(std::string etag, std::uint64_t total, std::uint64_t part_size, bool etag_is_md5, std::string meta_md5)
      : total_(total), base_(part_size) {
    meta_md5 = lower(meta_md5);
    if (is_hex32(meta_md5)) {  // recorded by this driver at upload: authoritative
      mode_ = Mode::Single;
      expected_ = meta_md5;
      part_left_ = total;
      return;
    }
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    etag = lower(etag);
    if (!etag_is_md5) return;
    std::size_t dash = etag.find('-');
    if (dash == std::string::npos && is_hex32(etag)) {
      mode_ = Mode::Single;
      expected_ = etag;
      part_left_ = total;
    } else if (dash != std::string::npos && base_ > 0 && is_hex32(etag.substr(0, dash))) {
      auto parts = to_u64(std::string_view(etag).substr(dash + 1));
      if (parts && *parts == count_parts()) {
        mode_ = Mode::Multipart;
        expected_ = etag;
        part_left_ = std::min<std::uint64_t>(part_size_for(base_, 1), total_);
      }
    }
  }

  void update(std::string_view data) {
    if (mode_ == Mode::None) return;
    while (!data.empty()) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(part_left_, data.size()));
      if (take == 0) {  // more data than the ETag describes; the length check reports it
        mode_ = Mode::None;
        return;
      }
      digest_.update(data.substr(0, take));
      data.remove_prefix(take);
      part_left_ -= take;
      consumed_ += take;
      if (part_left_ == 0 && mode_ == Mode::Multipart) {
        part_md5s_ += digest_.finish();
        ++part_;
        part_left_ = std::min<std::uint64_t>(part_size_for(base_, part_), total_ - consumed_);
      }
    }
  }

  // Returns an empty string if the data matches (or cannot be checked), else what was found.
  std::string mismatch() {
    if (mode_ == Mode::Single) {
      std::string got = hex(digest_.finish());
      return got == expected_ ? std::string{} : got;
    }
    if (mode_ == Mode::Multipart) {
      std::string got = hex(md5(part_md5s_)) + "-" + std::to_string(part_ - 1);
      return got == expected_ ? std::string{} : got;
    }
    return {};
  }

  bool active() const { return mode_ != Mode::None; }

 private:
  enum class Mode { None, Single, Multipart };
  std::uint64_t count_parts() const {
    std::uint64_t sum = 0, n = 0;
    while (sum < total_ && n < static_cast<std::uint64_t>(kMaxParts) + 1)
      sum += part_size_for(base_, static_cast<int>(++n));
    return n;
  }

  Mode mode_ = Mode::None;
  std::uint64_t total_;
  std::uint64_t base_;
  std::string expected_;
  Digest digest_{Digest::Kind::Md5};
  std::string part_md5s_;
  std::uint64_t part_left_ = 0;
  std::uint64_t consumed_ = 0;
  int part_ = 1;
};

S3DownloadSource::S3DownloadSource(std::shared_ptr<S3Client> client, std::string full_key, BodyCheck check)
    : client_(std::move(client)), key_(std::move(full_key)), check_(check) {}

S3DownloadSource::~S3DownloadSource() = default;

std::unique_ptr<S3DownloadSource> S3DownloadSource::open(std::shared_ptr<S3Client> client, std::string full_key,
                                                         BodyCheck check) {
  std::unique_ptr<S3DownloadSource> src(new S3DownloadSource(std::move(client), std::move(full_key), check));
  bool found = true;
  src->client_->retry().run("GET " + src->client_->location(src->key_), [&] { found = src->start(); });
  if (!found) return nullptr;
  return src;
}

bool S3DownloadSource::start(bool refetched) {
  t_.reset();
  AwsCredentials used = client_->credentials().get();  // what prepare() signs with, unless a refresh is due now
  auto t = std::make_unique<Transfer>(*client_, client_->config().low_speed_timeout);
  S3Request req{.method = "GET", .key = key_};
  if (received_ > 0) {
    req.headers.emplace_back("range", "bytes=" + std::to_string(received_) + "-");
    req.headers.emplace_back("if-match", etag_);
    t->expected_status = 206;
  }
  CURL* h = t->lease.get();
  client_->prepare(h, req, t->headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
  t->guard.install(h);
  if (curl_multi_add_handle(t->multi, h) != CURLM_OK) throw Error(ErrorCode::Internal, "curl_multi_add_handle failed");
  t->added = true;
  t_ = std::move(t);
  wait_for_headers();

  Transfer& tr = *t_;
  std::string loc = client_->location(key_);
  if (!tr.status_known) {
    // No complete reply: a connection failure or timeout.
    throw curl_error(tr.result == CURLE_OK ? CURLE_GOT_NOTHING : tr.result, tr.errbuf, "GET", loc);
  }
  if (tr.status == 404 && received_ == 0) {
    while (!tr.done) pump();  // read the short error body: the connection stays open for the next request
    return false;
  }
  if (!tr.accept_body) {
    if (tr.status < 300) {  // e.g. 200 to a ranged request: do not download the whole body again
      throw Error(ErrorCode::Remote, "GET " + loc + " failed: the server answered HTTP " + std::to_string(tr.status) +
                                         " to a ranged request, so the download cannot resume");
    }
    while (!tr.done) pump();
    S3Response resp{.status = tr.status, .headers = tr.resp_headers, .body = tr.error_body};
    if (!refetched && client_->credentials_expired(resp, used)) return start(/*refetched=*/true);
    throw client_->reply_error(resp, req, received_ > 0 ? "GET (resume)" : "GET");
  }
  if (received_ == 0) {
    etag_ = tr.header("etag");
    auto len = to_u64(tr.header("content-length"));
    if (!len) throw Error(ErrorCode::Remote, "GET " + loc + " reply has no Content-Length");
    total_ = *len;
    std::uint64_t part_size = to_u64(tr.header("x-amz-meta-wale-part-size")).value_or(0);
    std::string sse = tr.header("x-amz-server-side-encryption");
    bool etag_is_md5 = client_->config().verify_etag && sse != "aws:kms" &&
                       tr.header("x-amz-server-side-encryption-customer-algorithm").empty();
    if (check_ == BodyCheck::Md5) {
      verifier_ = std::make_unique<Verifier>(etag_, total_, part_size, etag_is_md5, tr.header("x-amz-meta-wale-md5"));
    }
  } else {
    // Content-Range: bytes START-END/TOTAL must continue exactly where we stopped.
    std::string range = tr.header("content-range");
    std::string expect = "bytes " + std::to_string(received_) + "-";
    std::string total_suffix = "/" + std::to_string(total_);
    if (range.rfind(expect, 0) != 0 || range.size() < total_suffix.size() ||
        range.compare(range.size() - total_suffix.size(), total_suffix.size(), total_suffix) != 0) {
      throw Error(ErrorCode::Corrupt, "GET " + loc + " resumed at the wrong offset",
                  "Expected " + expect + "…" + total_suffix + ", got \"" + range + "\".");
    }
  }
  return true;
}

void S3DownloadSource::pump() {
  Transfer& t = *t_;
  // Time the consumer spent away from read() is not the server's stall: restart the clock.
  auto now = std::chrono::steady_clock::now();
  if (now - t.last_pump > std::chrono::milliseconds(200)) t.guard.reset();
  if (t.paused && t.buffered() == 0) {
    t.paused = false;
    t.guard.paused = false;
    t.guard.reset();
    curl_easy_pause(t.lease.get(), CURLPAUSE_CONT);
  }
  int running = 0;
  CURLMcode mc = curl_multi_perform(t.multi, &running);
  if (mc != CURLM_OK) throw Error(ErrorCode::Internal, std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(t.multi, &left)) {
    if (msg->msg == CURLMSG_DONE) {
      t.done = true;
      t.result = msg->data.result;
      if (t.result == CURLE_ABORTED_BY_CALLBACK && t.guard.stopped) throw process_stop_token().error();
      if (t.result == CURLE_ABORTED_BY_CALLBACK && t.guard.fired) {
        t.result = CURLE_OPERATION_TIMEDOUT;
        std::snprintf(t.errbuf, sizeof t.errbuf, "%s", client_->stall_message().c_str());
      }
      note_status(&t);
    }
  }
  if (!t.done && t.buffered() == 0 && !t.paused) {
    curl_multi_poll(t.multi, nullptr, 0, 100, nullptr);
  }
  t.last_pump = std::chrono::steady_clock::now();
}

void S3DownloadSource::wait_for_headers() {
  while (!t_->done && !t_->status_known) pump();
}

void S3DownloadSource::resume_after(const std::string& why) {
  throw_if_stopped();  // a stopped transfer is never resumed
  ++failures_;
  std::string loc = client_->location(key_);
  const RetryPolicy& retry = client_->retry();
  if (failures_ >= retry.max_attempts()) {
    throw Error(ErrorCode::Transient, "GET " + loc + " failed: " + why,
                "(gave up after " + std::to_string(failures_) + " interrupted transfers)");
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto delay = retry.delay(failures_, rng());
  log::Record rec;
  rec.msg = "resuming GET " + loc + " with a ranged request";
  rec.detail = why;
  rec.fields = {{"offset", std::to_string(received_)},
                {"attempt", std::to_string(failures_)},
                {"delay_ms", std::to_string(delay.count())}};
  log::warning("wal_e.store.s3", std::move(rec));
  system_clock()->sleep_for(delay);
  ++resumes_;
  // Resume attempts share the one budget of max_attempts with the interruptions.
  const S3Config& c = client_->config();
  RetryPolicy rest(retry.max_attempts() - failures_, c.retry_base_delay, c.retry_max_delay);
  int attempts = 0;
  try {
    rest.run("GET (resume) " + loc, [&] {
      ++attempts;
      start();
    });
  } catch (...) {
    failures_ += attempts;
    throw;
  }
  failures_ += attempts - 1;
}

void S3DownloadSource::finish_checks() {
  if (verifier_) {
    std::string got = verifier_->mismatch();
    if (!got.empty()) {
      throw Error(ErrorCode::Corrupt, "GET " + client_->location(key_) + " returned damaged data",
                  "The ETag is " + etag_ + " but the data's digest is " + got + ".");
    }
  }
}

std::size_t S3DownloadSource::read(std::span<std::byte> out) {
  if (out.empty()) return 0;
  for (;;) {
    if (eof_) return 0;
    Transfer& t = *t_;
    if (t.buffered() > 0) {
      std::size_t n = std::min(out.size(), t.buffered());
      if (received_ + n > total_) {
        throw Error(ErrorCode::Corrupt, "GET " + client_->location(key_) + " returned more data than its length");
      }
      std::memcpy(out.data(), t.buffer.data() + t.pos, n);
      if (verifier_) verifier_->update(std::string_view(t.buffer.data() + t.pos, n));
      t.pos += n;
      received_ += n;
      return n;
    }
    if (t.done) {
      if (t.result == CURLE_OK && received_ == total_) {
        t_.reset();  // returns the handle to the pool
        eof_ = true;
        finish_checks();
        return 0;
      }
      std::string why = t.result != CURLE_OK ? std::string(t.errbuf[0] ? t.errbuf : curl_easy_strerror(t.result))
                                             : "the reply ended after " + std::to_string(received_) + " of " +
                                                   std::to_string(total_) + " bytes";
      resume_after(why);
      continue;
    }
    pump();
  }
}

}  // namespace wale::store::s3
