// RAII owners for libcurl objects used by the S3 driver, and the one-time
// global init. Move-only; not thread-safe (a handle is used by one thread).
#pragma once

#include <curl/curl.h>

#include <memory>
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
