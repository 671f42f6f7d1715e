// RAII owners for libcurl objects used by the S3 driver, and the one-time
// global init. Move-only; not thread-safe (a handle is used by one thread).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>

namespace wale::store::s3 {

struct CurlEasyFree {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct CurlMultiFree {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct CurlSlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyFree>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiFree>;

// A curl share handle that shares TLS sessions and the DNS cache between easy
// handles used by several threads at once (it brings its own locks; not the
// connection cache, which libcurl does not support sharing across threads).
// Every easy handle set to use it must be cleaned up before it is destroyed.
// Throws Error{Internal} if libcurl cannot create it.
class CurlShare {
 public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  CURLSH* get() const noexcept { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);
  CURLSH* share_ = nullptr;
  std::mutex locks_[CURL_LOCK_DATA_LAST];  // one per kind of shared data
};

// A header list; append() copies the string.
class CurlHeaderList {
 public:
  void append(const std::string& line);
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, CurlSlistFree> list_;
};

// curl_global_init exactly once per process (thread-safe); throws Error{Internal} on failure.
void ensure_curl_global_init();

}  // namespace wale::store::s3
