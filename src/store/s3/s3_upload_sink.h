// S3UploadSink: the ByteSink returned by S3Store::put(). Streams an object to
// S3 without temporary files.
//  - Up to one part of data is buffered. If finish() comes first, the object
//    goes up in one PUT with Content-MD5 (x-amz-content-sha256: see
//    payload_hash_for(): the body's SHA-256 over http, UNSIGNED-PAYLOAD over
//    https, where Content-MD5 and TLS carry the integrity).
//  - Otherwise a multipart upload starts when the first part is full; each full
//    part is uploaded by a background task while write() keeps accepting data,
//    at most parts_in_flight at once (write() blocks when that many are in
//    flight). Every part carries its Content-MD5 (hashed on the part's
//    upload thread, not the writer's) and payload hash. Part n has size
//    part_size_for(part_size, n). Part uploads of all sinks of one S3Client
//    share parts_in_flight slots and recycle their buffers through the client
//    (S3Client::take_part_buffer), so memory is about part size x
//    (parts_in_flight + 1 + objects being written), however many objects are
//    uploaded at once.
//  - finish() uploads the last part, waits for all, and completes the upload;
//    the object is visible when it returns.
//  - Create-only (PutOptions::if_absent): the PUT, or the completion, carries
//    `If-None-Match: *`. Then the object is read back (HEAD): unless it holds
//    our MD5 (x-amz-meta-wale-md5) or our multipart ETag, finish() throws
//    Error{Conflict}. So a 412 is a Conflict unless the existing object has
//    the same content (a retried PUT cannot tell its own lost first attempt
//    apart), and a server that ignores the condition is caught if another
//    writer replaced the object before the read-back. A multipart upload
//    also looks for an existing object before it completes. A single PUT
//    with PutOptions::look_up_after reads back with one listing of the
//    object and those keys instead (list_keys): the object's ETag there is
//    its MD5; only when the listing cannot tell (another ETag form, as under
//    SSE-KMS, or the object is not listed) does it HEAD as above.
//  - Abandoned (destroyed without a successful finish(), or any error): the
//    multipart upload is aborted, so no partial object ever becomes visible.
// Not thread-safe (one producer thread), per the ByteSink contract.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_sink.h"
#include "store/object_store.h"
#include "store/s3/s3_client.h"

namespace wale::store::s3 {

class S3UploadSink final : public io::ByteSink {
 public:
  // full_key includes the store's prefix.
  S3UploadSink(std::shared_ptr<S3Client> client, std::string full_key, PutOptions options);
  ~S3UploadSink() override;
  S3UploadSink(const S3UploadSink&) = delete;
  S3UploadSink& operator=(const S3UploadSink&) = delete;

  void write(std::span<const std::byte> data) override;
  using io::ByteSink::write;
  void finish() override;

  // For tests: parts sent so far (0 while the object is still a single PUT candidate).
  int parts_started() const noexcept { return next_part_ - 1; }

 private:
  struct PartResult {
    int number;
    std::string etag;
    std::string md5;  // raw MD5 of the part, for the expected multipart ETag
  };

  NameValues object_headers() const;  // content type, storage class, SSE
  void start_multipart();
  void dispatch_part();  // sends buffer_ as the next part
  void wait_oldest();    // waits for the oldest in-flight part; rethrows its error
  void put_single();
  void complete();
  bool already_completed(const std::string& expected_etag);
  bool exists();
  std::string stored_md5();  // x-amz-meta-wale-md5 of the stored object, "" if absent
  // Lists the object with PutOptions::look_up_after in one request (filling
  // *looked_up); true if the listing shows our object with ETag `md5_hex`.
  // False (and nothing filled) if there is nothing to look up after or one
  // listing cannot answer.
  bool listed_as_ours(const std::string& md5_hex);
  Error exists_error() const;
  void abort_upload() noexcept;
  std::size_t current_part_size() const;

  std::shared_ptr<S3Client> client_;
  std::string key_;
  PutOptions options_;
  std::vector<std::byte> buffer_;
  std::string upload_id_;
  int next_part_ = 1;
  std::deque<std::future<PartResult>> in_flight_;
  std::vector<PartResult> done_;
  std::atomic<bool> cancel_{false};
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace wale::store::s3
