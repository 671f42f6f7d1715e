// SigV4Signer: AWS Signature Version 4 (header-based) for S3 requests, on
// OpenSSL HMAC-SHA256. We build the canonical request ourselves so the
// signature does not depend on libcurl's version (see docs/s3.md).
//
// Immutable after construction, so safe to share between threads. Holds the
// secret key; it never appears in any string this class returns except the
// derived signature.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wale::store::s3 {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - _ . ~
// kept, everything else %XX with uppercase hex; '/' kept iff keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash);

// Canonical query string: names and values (raw, not yet encoded) encoded,
// sorted by encoded name then value, joined "a=1&b=" (valueless -> "name=").
// The same string is used as the request's query, so what is sent is what is signed.
std::string canonical_query(const NameValues& query);

struct SignableRequest {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // encoded path, e.g. "/bucket/wal_005/x%24y"
  std::string query;          // canonical_query(...) output, or ""
  NameValues headers;         // every header to sign (must include host and x-amz-date)
  std::string payload_hash;   // lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

class SigV4Signer {
 public:
  SigV4Signer(std::string access_key_id, std::string secret_access_key, std::string region, std::string service = "s3");

  // amz_date is "YYYYMMDDTHHMMSSZ" (the request's x-amz-date).
  std::string canonical_request(const SignableRequest& req) const;
  std::string string_to_sign(const SignableRequest& req, std::string_view amz_date) const;
  std::string signature(const SignableRequest& req, std::string_view amz_date) const;
  // The full Authorization header value.
  std::string authorization(const SignableRequest& req, std::string_view amz_date) const;

  static std::string amz_date_now();  // current UTC time as YYYYMMDDTHHMMSSZ

 private:
  std::string scope(std::string_view amz_date) const;
  static std::string signed_header_names(const NameValues& sorted);
  static NameValues canonical_headers(const NameValues& headers);

  std::string access_key_id_;
  std::string secret_;
  std::string region_;
  std::string service_;
};

}  // namespace wale::store::s3
