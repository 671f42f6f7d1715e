#include "store/s3/curl_handle.h"

#include <mutex>

#include "core/error.h"

namespace wale::store::s3 {

void CurlHeaderList::append(const std::string& line) {
  curl_slist* next = curl_slist_append(list_.get(), line.c_str());
  if (next == nullptr) throw Error(ErrorCode::Internal, "out of memory building HTTP headers");
  if (!list_) list_.reset(next);  // the first append creates the list; later ones extend it in place
}

void ensure_curl_global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) throw Error(ErrorCode::Internal, "curl_global_init failed");
}

}  // namespace wale::store::s3
