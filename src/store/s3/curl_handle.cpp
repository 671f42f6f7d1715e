#include "store/s3/curl_handle.h"

#include <mutex>

#include "core/error.h"

namespace wale::store::s3 {

void CurlHeaderList::append(const std::string& line) {
  curl_slist* next = curl_slist_append(list_.get(), line.c_str());
  if (next == nullptr) throw Error(ErrorCode::Internal, "out of memory building HTTP headers");
  if (!list_) list_.reset(next);  // the first append creates the list; later ones extend it in place
}

CurlShare::CurlShare() {
  ensure_curl_global_init();
  share_ = curl_share_init();
  if (share_ == nullptr) throw Error(ErrorCode::Internal, "curl_share_init failed");
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

CurlShare::~CurlShare() { curl_share_cleanup(share_); }

void CurlShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<CurlShare*>(self)->locks_[data].lock();
}

void CurlShare::unlock(CURL*, curl_lock_data data, void* self) { static_cast<CurlShare*>(self)->locks_[data].unlock(); }

void ensure_curl_global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) throw Error(ErrorCode::Internal, "curl_global_init failed");
}

}  // namespace wale::store::s3
