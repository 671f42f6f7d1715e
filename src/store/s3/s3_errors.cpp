#include "store/s3/s3_errors.h"

#include <curl/curl.h>

namespace wale::store::s3 {

bool is_retryable_http(long status, std::string_view code) noexcept {
  if (code == "RequestTimeTooSkewed") return false;
  if (code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || code == "IncompleteBody" ||
      code == "OperationAborted") {
    return true;
  }
  return status >= 500 || status == 429 || status == 408;
}

bool is_retryable_curl(int c) noexcept {
  switch (static_cast<CURLcode>(c)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:  // TLS handshake cut short; certificate problems have their own codes
    case CURLE_READ_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN: return true;
    default: return false;
  }
}

Error http_error(long status, std::string_view code, std::string_view message, std::string_view op,
                 std::string_view location, std::string_view bucket) {
  std::string what = std::string(op) + " " + std::string(location) + " failed: HTTP " + std::to_string(status);
  if (!code.empty()) what += " " + std::string(code);
  std::string detail = message.empty() ? std::string{} : "The server said: " + std::string(message);
  std::string cause;
  std::string hint;
  ErrorCode ec = is_retryable_http(status, code) ? ErrorCode::Transient : ErrorCode::Remote;
  if (code == "SignatureDoesNotMatch") {
    cause = "the secret access key is probably wrong";
    hint = "Check AWS_SECRET_ACCESS_KEY (and AWS_REGION for the signing region).";
    ec = ErrorCode::Config;
  } else if (code == "InvalidAccessKeyId") {
    cause = "the access key id is unknown to the server";
    hint = "Check AWS_ACCESS_KEY_ID.";
    ec = ErrorCode::Config;
  } else if (code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired") {
    cause = "the session token is invalid or expired";
    hint = "Check AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN.";
    ec = ErrorCode::Config;
  } else if (code == "NoSuchBucket") {
    cause = "bucket \"" + std::string(bucket) + "\" does not exist";
    hint = "Create the bucket or fix the bucket name in WALE_S3_PREFIX.";
    ec = ErrorCode::Config;
  } else if (status == 403 && code.empty()) {
    cause = "forbidden: the secret access key is wrong or the credentials lack permission";
    hint = "Check AWS_SECRET_ACCESS_KEY and the permissions of AWS_ACCESS_KEY_ID.";
  } else if (code == "AccessDenied") {
    cause = "access denied: the credentials have no permission for this bucket or key";
    hint = "Check the bucket policy / user permissions for this access key.";
  } else if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
             code == "IllegalLocationConstraintException" || status == 301) {
    cause = "the bucket is in another region than the one configured";
    hint = "Set AWS_REGION to the bucket's region.";
    ec = ErrorCode::Config;
  } else if (code == "RequestTimeTooSkewed") {
    cause = "this machine's clock differs too much from the server's";
    hint = "Synchronise the system clock (NTP).";
  } else if (code == "PreconditionFailed" || status == 412) {
    cause = "the object changed while it was being read";
  } else if (code == "InvalidStorageClass") {
    cause = "the storage class is not supported by the server";
    hint = "Check WALE_S3_STORAGE_CLASS.";
    ec = ErrorCode::Config;
  } else if (ec == ErrorCode::Transient) {
    cause = "the server is busy or failing";
  }
  if (!cause.empty()) what += ": " + cause;
  return Error(ec, what, detail, hint);
}

Error curl_error(int c, std::string_view curl_message, std::string_view op, std::string_view location) {
  std::string what =
      std::string(op) + " " + std::string(location) + " failed: " +
      (curl_message.empty() ? std::string(curl_easy_strerror(static_cast<CURLcode>(c))) : std::string(curl_message));
  std::string hint;
  ErrorCode ec = is_retryable_curl(c) ? ErrorCode::Transient : ErrorCode::Remote;
  switch (static_cast<CURLcode>(c)) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      hint =
          "The server's TLS certificate is not trusted: set the CA bundle (WALE_S3_CA_BUNDLE) to the CA that signed "
          "it.";
      ec = ErrorCode::Config;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      hint = "Check the host in WALE_S3_ENDPOINT (or AWS_REGION).";
      ec = ErrorCode::Config;
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: ec = ErrorCode::Config; break;
    default: break;
  }
  return Error(ec, what, {}, hint);
}

}  // namespace wale::store::s3
