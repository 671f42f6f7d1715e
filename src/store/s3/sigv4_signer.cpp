#include "store/s3/sigv4_signer.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/utc_time.h"
#include "store/s3/digest.h"

namespace wale::store::s3 {
namespace {

bool unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Trims, and collapses runs of spaces into one (SigV4's header value rule).
std::string trim_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  return out;
}

std::string canonical_query(const NameValues& query) {
  NameValues enc;
  enc.reserve(query.size());
  for (const auto& [n, v] : query) enc.emplace_back(uri_encode(n, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [n, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += n;
    out.push_back('=');
    out += v;
  }
  return out;
}

SigV4Signer::SigV4Signer(std::string access_key_id, std::string secret_access_key, std::string region,
                         std::string service)
    : access_key_id_(std::move(access_key_id)),
      secret_(std::move(secret_access_key)),
      region_(std::move(region)),
      service_(std::move(service)) {}

NameValues SigV4Signer::canonical_headers(const NameValues& headers) {
  NameValues out;
  for (const auto& [n, v] : headers) {
    std::string name = lower(n);
    std::string value = trim_value(v);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == name; });
    if (it != out.end()) {
      it->second += "," + value;  // repeated headers are merged
    } else {
      out.emplace_back(std::move(name), std::move(value));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string SigV4Signer::signed_header_names(const NameValues& sorted) {
  std::string out;
  for (const auto& [n, v] : sorted) {
    if (!out.empty()) out.push_back(';');
    out += n;
  }
  return out;
}

std::string SigV4Signer::canonical_request(const SignableRequest& req) const {
  NameValues headers = canonical_headers(req.headers);
  std::string out = req.method + "\n" + (req.canonical_uri.empty() ? "/" : req.canonical_uri) + "\n" + req.query + "\n";
  for (const auto& [n, v] : headers) out += n + ":" + v + "\n";
  out += "\n" + signed_header_names(headers) + "\n" + req.payload_hash;
  return out;
}

std::string SigV4Signer::scope(std::string_view amz_date) const {
  return std::string(amz_date.substr(0, 8)) + "/" + region_ + "/" + service_ + "/aws4_request";
}

std::string SigV4Signer::string_to_sign(const SignableRequest& req, std::string_view amz_date) const {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope(amz_date) + "\n" +
         sha256_hex(canonical_request(req));
}

std::string SigV4Signer::signature(const SignableRequest& req, std::string_view amz_date) const {
  std::string k = hmac_sha256("AWS4" + secret_, amz_date.substr(0, 8));
  k = hmac_sha256(k, region_);
  k = hmac_sha256(k, service_);
  k = hmac_sha256(k, "aws4_request");
  return hex(hmac_sha256(k, string_to_sign(req, amz_date)));
}

std::string SigV4Signer::authorization(const SignableRequest& req, std::string_view amz_date) const {
  return "AWS4-HMAC-SHA256 Credential=" + access_key_id_ + "/" + scope(amz_date) +
         ", SignedHeaders=" + signed_header_names(canonical_headers(req.headers)) +
         ", Signature=" + signature(req, amz_date);
}

std::string SigV4Signer::amz_date_now() { return format_utc(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ"); }

}  // namespace wale::store::s3
