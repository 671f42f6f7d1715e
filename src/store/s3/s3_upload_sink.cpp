#include "store/s3/s3_upload_sink.h"

#include <algorithm>

#include "core/error.h"
#include "core/log.h"
#include "store/s3/digest.h"
#include "store/s3/s3_key_listing.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {
namespace {

std::string_view as_text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

S3UploadSink::S3UploadSink(std::shared_ptr<S3Client> client, std::string full_key, PutOptions options)
    : client_(std::move(client)), key_(std::move(full_key)), options_(std::move(options)) {
  buffer_.reserve(std::min<std::size_t>(current_part_size(), 1u << 20));
}

S3UploadSink::~S3UploadSink() {
  if (finished_) return;
  cancel_ = true;
  for (auto& f : in_flight_) {
    try {
      f.get();
    } catch (...) {  // abandoned anyway
    }
  }
  in_flight_.clear();
  abort_upload();
}

std::size_t S3UploadSink::current_part_size() const {
  return static_cast<std::size_t>(part_size_for(client_->config().part_size, next_part_));
}

NameValues S3UploadSink::object_headers() const {
  const S3Config& c = client_->config();
  NameValues h;
  h.emplace_back("content-type", options_.content_type.empty() ? "application/octet-stream" : options_.content_type);
  if (!c.storage_class.empty()) h.emplace_back("x-amz-storage-class", c.storage_class);
  if (!c.sse.empty()) h.emplace_back("x-amz-server-side-encryption", c.sse);
  if (!c.kms_key_id.empty()) h.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", c.kms_key_id);
  // Lets readers verify a multipart object's ETag (md5 of part md5s) while streaming it.
  h.emplace_back("x-amz-meta-wale-part-size", std::to_string(std::clamp(c.part_size, kMinPartSize, kMaxPartSize)));
  return h;
}

void S3UploadSink::write(std::span<const std::byte> data) {
  if (finished_ || failed_) throw Error(ErrorCode::Internal, "write to a finished or failed S3 upload");
  try {
    while (!data.empty()) {
      std::size_t room = current_part_size() - buffer_.size();
      std::size_t n = std::min(room, data.size());
      if (buffer_.size() + n > buffer_.capacity() && buffer_.capacity() < current_part_size()) {
        // More than a small object: move to a whole part's buffer (recycled) instead of regrowing.
        std::vector<std::byte> part = client_->take_part_buffer(current_part_size());
        part.assign(buffer_.begin(), buffer_.end());
        buffer_.swap(part);
      }
      buffer_.insert(buffer_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
      data = data.subspan(n);
      if (buffer_.size() == current_part_size() && !data.empty()) {
        // Only a part known not to be the last goes up now: the last part goes with finish().
        if (upload_id_.empty()) start_multipart();
        dispatch_part();
      }
    }
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void S3UploadSink::start_multipart() {
  S3Request req{.method = "POST", .key = key_, .query = {{"uploads", ""}}, .headers = object_headers()};
  S3Response resp = client_->call(req, "CreateMultipartUpload", {}, &cancel_);
  upload_id_ = parse_initiate_multipart(resp.body);
}

void S3UploadSink::dispatch_part() {
  while (static_cast<int>(in_flight_.size()) >= client_->config().parts_in_flight) wait_oldest();
  int number = next_part_++;
  if (number > kMaxParts) throw Error(ErrorCode::Unsupported, "object too large for S3 (over 10,000 parts)");
  auto slot = std::make_shared<S3Client::UploadSlot>(client_->acquire_upload_slot(&cancel_));
  auto part = std::make_shared<std::vector<std::byte>>(std::move(buffer_));
  buffer_ = client_->take_part_buffer(current_part_size());
  in_flight_.push_back(std::async(std::launch::async, [this, number, part, slot]() -> PartResult {
    struct Done {  // whatever happens: the slot is freed and the buffer goes back to the client's pool
      S3Client& client;
      std::vector<std::byte>& buffer;
      S3Client::UploadSlot& slot;
      ~Done() {
        slot.release();
        client.give_part_buffer(std::move(buffer));
      }
    } done{*client_, *part, *slot};
    std::string_view body = as_text(*part);
    std::string raw_md5 = md5(body);
    S3Request req{.method = "PUT",
                  .key = key_,
                  .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}},
                  .headers = {{"content-md5", base64(raw_md5)}},
                  .body = *part};  // payload hash: payload_hash_for()
    S3Response resp;
    try {
      resp = client_->call(req, "UploadPart " + std::to_string(number), {}, &cancel_);
    } catch (...) {
      cancel_ = true;  // the upload is lost: the other parts stop retrying
      throw;
    }
    std::string etag = resp.header("etag");
    if (etag.empty()) throw Error(ErrorCode::Remote, "UploadPart reply without ETag for " + client_->location(key_));
    return PartResult{number, etag, raw_md5};
  }));
}

void S3UploadSink::wait_oldest() {
  auto f = std::move(in_flight_.front());
  in_flight_.pop_front();
  done_.push_back(f.get());
}

void S3UploadSink::put_single() {
  std::string_view body = as_text(buffer_);
  S3Request req{.method = "PUT", .key = key_, .headers = object_headers(), .body = buffer_};
  std::string raw_md5 = md5(body);
  req.headers.emplace_back("content-md5", base64(raw_md5));
  // Our own record of the content's MD5: readers verify against it whatever the server's ETag means.
  req.headers.emplace_back("x-amz-meta-wale-md5", hex(raw_md5));
  if (!options_.if_absent) {
    client_->call(req, "PUT", {}, &cancel_);
    return;
  }
  req.headers.emplace_back("if-none-match", "*");
  client_->call(req, "PUT", {412}, &cancel_);
  // Whatever the reply, the stored object must now be ours: after 412 it may be this upload's own
  // earlier attempt (a retry after a lost reply); after 2xx a server that ignores If-None-Match
  // may have let another writer replace it.
  if (listed_as_ours(hex(raw_md5))) return;
  if (stored_md5() != hex(raw_md5)) throw exists_error();
}

bool S3UploadSink::listed_as_ours(const std::string& md5_hex) {
  if (!options_.looked_up || options_.look_up_after.empty()) return false;
  const std::string& root = client_->config().prefix;
  std::vector<std::string> keys{key_};
  for (const auto& k : options_.look_up_after) {
    check_key(k);
    keys.push_back(root + k);
  }
  auto listed = list_keys(*client_, keys);
  if (!listed) return false;
  // Listed after our PUT returned: what it says of the other keys is what the caller asked for.
  std::vector<ObjectInfo> others;
  bool ours = false;
  for (const auto& e : *listed) {
    if (e.key == key_) {
      ours = e.etag == md5_hex;  // a single PUT's ETag is its MD5 (not under SSE-KMS/SSE-C: then HEAD)
    } else {
      others.push_back(ObjectInfo{e.key.substr(root.size()), e.size, e.modified});
    }
  }
  *options_.looked_up = std::move(others);
  return ours;
}

std::string S3UploadSink::stored_md5() {
  S3Request head{.method = "HEAD", .key = key_};
  S3Response resp = client_->call(head, "HEAD", {404}, &cancel_);
  return resp.status == 200 ? resp.header("x-amz-meta-wale-md5") : std::string{};
}

Error S3UploadSink::exists_error() const {
  return Error(ErrorCode::Conflict, "object already exists",
               "The key is " + client_->location(key_) + "; it was not replaced.");
}

void S3UploadSink::complete() {
  std::sort(done_.begin(), done_.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : done_) {
    xml +=
        "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + xml_escape(p.etag) + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  auto body = std::as_bytes(std::span(xml.data(), xml.size()));
  S3Request req{.method = "POST",
                .key = key_,
                .query = {{"uploadId", upload_id_}},
                .headers = {{"content-type", "application/xml"}, {"content-md5", md5_base64(xml)}},
                .body = body};
  if (options_.if_absent) req.headers.emplace_back("if-none-match", "*");
  std::string all_md5;
  for (const auto& p : done_) all_md5 += p.md5;
  std::string expected_etag = "\"" + hex(md5(all_md5)) + "-" + std::to_string(done_.size()) + "\"";
  int attempts = 0;
  client_->retry().run(
      "CompleteMultipartUpload " + client_->location(key_),
      [&] {
        ++attempts;
        S3Response resp = client_->perform(req, "CompleteMultipartUpload");
        if (resp.status == 404 && attempts > 1 && already_completed(expected_etag)) return;  // reply was lost
        if (resp.status == 412 && options_.if_absent) {
          if (attempts > 1 && already_completed(expected_etag)) return;  // our own, reply was lost
          throw exists_error();
        }
        if (resp.status < 200 || resp.status >= 300) throw client_->reply_error(resp, req, "CompleteMultipartUpload");
        if (auto err = parse_complete_multipart(resp.body)) {
          S3Response as_error = resp;
          as_error.status = err->code == "InternalError" || err->code == "SlowDown" ? 500 : 400;
          throw client_->reply_error(as_error, req, "CompleteMultipartUpload");
        }
      },
      &cancel_);
  // Read back, for servers that ignore If-None-Match on completion: the object must be ours.
  if (options_.if_absent && !already_completed(expected_etag)) throw exists_error();
}

bool S3UploadSink::exists() {
  S3Request head{.method = "HEAD", .key = key_};
  return client_->call(head, "HEAD", {404}, &cancel_).status == 200;
}

bool S3UploadSink::already_completed(const std::string& expected_etag) {
  S3Request head{.method = "HEAD", .key = key_};
  S3Response resp = client_->call(head, "HEAD", {404}, &cancel_);
  return resp.status == 200 && resp.header("etag") == expected_etag;
}

void S3UploadSink::finish() {
  if (finished_) return;
  if (failed_) throw Error(ErrorCode::Internal, "finish of a failed S3 upload");
  try {
    if (upload_id_.empty()) {
      put_single();
    } else {
      if (!buffer_.empty()) dispatch_part();
      while (!in_flight_.empty()) wait_oldest();
      // Look before completing, in case the server ignores If-None-Match on completion.
      if (options_.if_absent && exists()) throw exists_error();
      complete();
      upload_id_.clear();
    }
    finished_ = true;
  } catch (...) {
    failed_ = true;
    throw;  // the destructor aborts the multipart upload
  }
}

void S3UploadSink::abort_upload() noexcept {
  if (upload_id_.empty()) return;
  try {
    S3Request req{.method = "DELETE", .key = key_, .query = {{"uploadId", upload_id_}}};
    // A few attempts only: an abandoned upload must not hang the caller for long.
    RetryPolicy quick(std::min(client_->config().retries, 3), client_->config().retry_base_delay,
                      client_->config().retry_base_delay * 4);
    quick.run("AbortMultipartUpload " + client_->location(key_), [&] {
      S3Response resp = client_->perform(req, "AbortMultipartUpload", /*stoppable=*/false);
      if (resp.status == 404 || (resp.status >= 200 && resp.status < 300)) return;
      throw client_->reply_error(resp, req, "AbortMultipartUpload");
    });
  } catch (const std::exception& e) {
    log::Record rec;
    rec.msg = "could not abort an abandoned multipart upload";
    rec.detail = e.what();
    rec.hint = "The bucket may keep its parts until a lifecycle rule removes them.";
    log::warning("wal_e.store.s3", std::move(rec));
  }
  upload_id_.clear();
}

}  // namespace wale::store::s3
