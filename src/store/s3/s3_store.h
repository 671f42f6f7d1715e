// S3Store: the ObjectStore driver for S3 and S3-compatible servers (AWS S3,
// Ceph radosgw, MinIO, ...). Keys map to "<config.prefix><key>" in config.bucket.
//  - put(): streamed, see S3UploadSink (single PUT or multipart; abandoned
//    uploads are aborted).
//  - get(): streamed with resume on dropped connections, see S3DownloadSource.
//  - stat(): HEAD. list(): ListObjectsV2, 1000 keys a page, continuation tokens;
//    S3 returns keys in ascending UTF-8 byte order, as the contract requires.
//  - remove(): DeleteObjects in batches of 1000 (Content-MD5 set); absent keys ignored.
// Every request goes through one retry policy (S3Client::call) and is signed
// with SigV4. Thread-safe: all methods may be called concurrently; sinks and
// sources keep the shared client alive, so they may outlive the store.
#pragma once

#include <memory>
#include <string>

#include "store/object_store.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_config.h"

namespace wale::store::s3 {

class S3Store final : public ObjectStore {
 public:
  // Throws Error{Config} if the config is invalid. Makes no request.
  explicit S3Store(S3Config config);

  std::unique_ptr<io::ByteSink> put(std::string_view key, const PutOptions& options = {}) override;
  std::unique_ptr<io::ByteSource> get(std::string_view key) override;
  // The body's MD5 is not computed (ObjectStore::get_verified_by_reader).
  std::unique_ptr<io::ByteSource> get_verified_by_reader(std::string_view key) override;
  std::optional<ObjectInfo> stat(std::string_view key) override;
  // One ListObjectsV2 request of the keys' common prefix when it is longer than
  // the first key's directory and one page holds the answer (S3 listings are
  // strongly consistent on AWS and radosgw); else a HEAD of each key.
  std::vector<ObjectInfo> stat_many(std::span<const std::string> keys) override;
  void list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) override;
  void remove(std::span<const std::string> keys) override;
  std::string describe(std::string_view key) const override;
  // Aborts multipart uploads under `prefix` started more than a day ago (a
  // killed writer's; a live one finishes far sooner). Skipped when
  // at_most_every > 0 (a sweep costs requests: only `delete` runs it).
  std::size_t remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every = {}) override;
  // The same for uploads started before now - older_than; returns how many were aborted.
  std::size_t abort_multipart_uploads(std::string_view prefix, std::chrono::seconds older_than);

  // HEAD on the bucket: throws the clear error (wrong secret, no such bucket,
  // access denied, unreachable, untrusted certificate) if the bucket cannot be used.
  void check_access() override;

  const S3Config& config() const noexcept { return client_->config(); }
  // Requests sent and connections opened so far (see S3Client::stats()).
  S3Client::Stats client_stats() const noexcept { return client_->stats(); }

 private:
  std::string full_key(std::string_view key) const;
  std::shared_ptr<S3Client> client_;
};

}  // namespace wale::store::s3
