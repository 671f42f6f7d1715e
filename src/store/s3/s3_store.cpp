#include "store/s3/s3_store.h"

#include <curl/curl.h>

#include <charconv>

#include "core/error.h"
#include "core/log.h"
#include "store/s3/digest.h"
#include "store/s3/s3_download_source.h"
#include "store/s3/s3_key_listing.h"
#include "store/s3/s3_store_factory.h"
#include "store/s3/s3_upload_sink.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {

S3Store::S3Store(S3Config config) : client_(std::make_shared<S3Client>(std::move(config))) {}

std::string S3Store::full_key(std::string_view key) const {
  check_key(key);
  return client_->config().prefix + std::string(key);
}

std::string S3Store::describe(std::string_view key) const {
  return "s3://" + client_->config().bucket + "/" + client_->config().prefix + std::string(key);
}

std::unique_ptr<io::ByteSink> S3Store::put(std::string_view key, const PutOptions& options) {
  return std::make_unique<S3UploadSink>(client_, full_key(key), options);
}

std::unique_ptr<io::ByteSource> S3Store::get(std::string_view key) {
  return S3DownloadSource::open(client_, full_key(key));
}

std::unique_ptr<io::ByteSource> S3Store::get_verified_by_reader(std::string_view key) {
  return S3DownloadSource::open(client_, full_key(key), S3DownloadSource::BodyCheck::LeftToReader);
}

std::optional<ObjectInfo> S3Store::stat(std::string_view key) {
  S3Request req{.method = "HEAD", .key = full_key(key)};
  S3Response resp = client_->call(req, "HEAD", {404});
  if (resp.status == 404) return std::nullopt;
  ObjectInfo info;
  info.key = std::string(key);
  std::string len = resp.header("content-length");
  auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), info.size);
  if (ec != std::errc{} || p != len.data() + len.size()) {
    throw Error(ErrorCode::Remote, "HEAD " + describe(key) + " reply has no valid Content-Length");
  }
  std::string modified = resp.header("last-modified");
  time_t t = curl_getdate(modified.c_str(), nullptr);
  if (t >= 0) info.modified = std::chrono::system_clock::from_time_t(t);
  return info;
}

std::vector<ObjectInfo> S3Store::stat_many(std::span<const std::string> keys) {
  std::vector<std::string> full;
  for (const auto& k : keys) full.push_back(full_key(k));  // checks each key
  auto listed = list_keys(*client_, full);
  if (!listed) return ObjectStore::stat_many(keys);
  const std::string& root = client_->config().prefix;
  std::vector<ObjectInfo> out;
  for (const auto& e : *listed) out.push_back(ObjectInfo{e.key.substr(root.size()), e.size, e.modified});
  return out;
}

void S3Store::list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) {
  const std::string& root = client_->config().prefix;
  std::string full_prefix = root + std::string(prefix);
  std::string token;
  for (;;) {
    S3Request req{.method = "GET",
                  .key = "",
                  .query = {{"list-type", "2"}, {"max-keys", "1000"}, {"prefix", full_prefix}}};
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    S3Response resp = client_->call(req, "ListObjectsV2");
    ListPage page = parse_list_objects_v2(resp.body);
    for (auto& e : page.entries) {
      if (e.key.compare(0, root.size(), root) != 0) continue;  // cannot happen with a correct server
      each(ObjectInfo{e.key.substr(root.size()), e.size, e.modified});
    }
    if (!page.truncated) break;
    if (page.next_continuation_token == token) {
      throw Error(ErrorCode::Remote, "ListObjectsV2 on " + describe(prefix) + " repeated its continuation token");
    }
    token = page.next_continuation_token;
  }
}

void S3Store::remove(std::span<const std::string> keys) {
  constexpr std::size_t kBatch = 1000;
  for (std::size_t start = 0; start < keys.size(); start += kBatch) {
    std::size_t end = std::min(keys.size(), start + kBatch);
    std::string xml = "<Delete><Quiet>true</Quiet>";
    for (std::size_t i = start; i < end; ++i)
      xml += "<Object><Key>" + xml_escape(full_key(keys[i])) + "</Key></Object>";
    xml += "</Delete>";
    S3Request req{.method = "POST",
                  .key = "",
                  .query = {{"delete", ""}},
                  .headers = {{"content-type", "application/xml"}, {"content-md5", md5_base64(xml)}},
                  .body = std::as_bytes(std::span(xml.data(), xml.size()))};
    S3Response resp = client_->call(req, "DeleteObjects");
    DeleteResult result = parse_delete_result(resp.body);
    for (const auto& f : result.errors) {
      if (f.code == "NoSuchKey") continue;
      throw Error(f.code == "InternalError" || f.code == "SlowDown" ? ErrorCode::Transient : ErrorCode::Remote,
                  "DeleteObjects could not delete s3://" + client_->config().bucket + "/" + f.key + ": " + f.code,
                  f.message.empty() ? std::string{} : "The server said: " + f.message);
    }
  }
}

std::size_t S3Store::remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every) {
  if (at_most_every.count() > 0) return 0;
  try {
    return abort_multipart_uploads(prefix, std::chrono::hours(24));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Cancelled) throw;
    log::warning("wal_e.store.s3", {"could not abort abandoned multipart uploads", e.message(), {}, {}});
    return 0;
  }
}

std::size_t S3Store::abort_multipart_uploads(std::string_view prefix, std::chrono::seconds older_than) {
  const std::string& root = client_->config().prefix;
  std::string full_prefix = root + std::string(prefix);
  auto cutoff = std::chrono::system_clock::now() - older_than;
  std::vector<MultipartUpload> stale;
  std::string key_marker, id_marker;
  for (;;) {
    S3Request req{.method = "GET", .key = "", .query = {{"uploads", ""}, {"prefix", full_prefix}}};
    if (!key_marker.empty()) {
      req.query.emplace_back("key-marker", key_marker);
      req.query.emplace_back("upload-id-marker", id_marker);
    }
    MultipartUploadPage page = parse_list_multipart_uploads(client_->call(req, "ListMultipartUploads").body);
    for (auto& u : page.uploads) {
      if (u.key.compare(0, full_prefix.size(), full_prefix) == 0 && u.initiated <= cutoff)
        stale.push_back(std::move(u));
    }
    if (!page.truncated) break;
    if (page.next_key_marker == key_marker && page.next_upload_id_marker == id_marker) {
      throw Error(ErrorCode::Remote, "ListMultipartUploads on " + describe(prefix) + " repeated its marker");
    }
    key_marker = page.next_key_marker;
    id_marker = page.next_upload_id_marker;
  }
  std::size_t aborted = 0;
  for (const auto& u : stale) {
    S3Request req{.method = "DELETE", .key = u.key, .query = {{"uploadId", u.upload_id}}};
    client_->call(req, "AbortMultipartUpload", {404});
    ++aborted;
  }
  return aborted;
}

void S3Store::check_access() {
  S3Request req{.method = "GET",
                .key = "",
                .query = {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", client_->config().prefix}}};
  client_->call(req, "ListObjectsV2");
}

std::unique_ptr<ObjectStore> make_s3_store(S3Config config) { return std::make_unique<S3Store>(std::move(config)); }

}  // namespace wale::store::s3
