// S3DownloadSource: the ByteSource returned by S3Store::get(). Streams the
// object's body as read() pulls it (libcurl multi interface driven from
// read(); the transfer pauses when about 1 MiB is buffered), so memory stays
// small whatever the object size.
//  - If the connection drops or stalls mid-body, the download resumes with a
//    ranged GET (Range: bytes=<received>-, If-Match: <ETag>) under the retry
//    policy instead of failing; if the object changed meanwhile -> Error{Remote}.
//    Interruptions and failed resume requests together get at most
//    config.retries attempts for the whole object.
//  - The data is verified at the end: its length against Content-Length, and its
//    MD5 against x-amz-meta-wale-md5 (set by this driver's single PUTs), else
//    against the ETag when the ETag is an MD5 (single PUT) or, for objects this
//    driver uploaded in parts, the multipart ETag (MD5 of the part MD5s); ETag
//    checks are skipped for SSE-KMS/SSE-C objects and when config.verify_etag is false.
//    A mismatch throws Error{Corrupt}; read() never returns 0 for a short or
//    damaged object. With BodyCheck::LeftToReader the MD5 is not computed (the
//    caller verifies a checksum inside the data; ObjectStore::
//    get_verified_by_reader): the length check and ETag-pinned resumes stay.
// Not thread-safe (one consumer thread), per the ByteSource contract.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "io/byte_source.h"
#include "store/s3/s3_client.h"

namespace wale::store::s3 {

class S3DownloadSource final : public io::ByteSource {
 public:
  enum class BodyCheck { Md5, LeftToReader };
  // Starts the GET; returns nullptr if the object does not exist (404).
  // Throws Error for any other failure (after retries).
  static std::unique_ptr<S3DownloadSource> open(std::shared_ptr<S3Client> client, std::string full_key,
                                                BodyCheck check = BodyCheck::Md5);

  ~S3DownloadSource() override;
  S3DownloadSource(const S3DownloadSource&) = delete;
  S3DownloadSource& operator=(const S3DownloadSource&) = delete;

  std::size_t read(std::span<std::byte> out) override;

  // For tests: how many times the body was resumed with a ranged GET.
  int resumes() const noexcept { return resumes_; }

  struct Transfer;  // the state of one HTTP transfer (defined in the .cpp)
  class Verifier;   // MD5/ETag check (defined in the .cpp)

 private:
  S3DownloadSource(std::shared_ptr<S3Client> client, std::string full_key, BodyCheck check);
  // Starts a GET from offset received_; returns false on 404 (first request only).
  // A reply saying the credentials expired is repeated once with new ones
  // (`refetched`: this is that repetition).
  bool start(bool refetched = false);
  void pump();  // drives libcurl until data is buffered or the transfer ended
  void wait_for_headers();
  void resume_after(const std::string& why);
  void finish_checks();

  std::shared_ptr<S3Client> client_;
  std::string key_;
  BodyCheck check_;
  std::unique_ptr<Transfer> t_;
  std::unique_ptr<Verifier> verifier_;
  std::string etag_;
  std::uint64_t total_ = 0;
  std::uint64_t received_ = 0;
  int failures_ = 0;
  int resumes_ = 0;
  bool eof_ = false;
};

}  // namespace wale::store::s3
