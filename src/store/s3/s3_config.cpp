#include "store/s3/s3_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.h"

namespace wale::store::s3 {
namespace {

[[noreturn]] void config_error(std::string msg, std::string detail = {}, std::string hint = {}) {
  throw Error(ErrorCode::Config, std::move(msg), std::move(detail), std::move(hint));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool dns_compatible_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return b.front() != '-' && b.back() != '-';
}

void check_bucket_name(std::string_view b, std::string_view where) {
  if (b.empty()) {
    config_error("S3 prefix has no bucket name", "The prefix is \"" + std::string(where) + "\".",
                 "Prefixes look like s3://bucket/path.");
  }
  for (char c : b) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '.' || c == '_')) {
      config_error("S3 bucket name \"" + std::string(b) + "\" contains an invalid character",
                   "The prefix is \"" + std::string(where) + "\".");
    }
  }
}

}  // namespace

S3Location parse_s3_prefix(std::string_view url) {
  constexpr std::string_view scheme = "s3://";
  if (url.substr(0, scheme.size()) != scheme) {
    config_error("S3 prefix must start with s3://", "The prefix is \"" + std::string(url) + "\".",
                 "Prefixes look like s3://bucket/path.");
  }
  std::string_view rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  check_bucket_name(loc.bucket, url);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash + 1);
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (!path.empty()) {
      loc.prefix = std::string(path);
      if (loc.prefix.back() != '/') loc.prefix.push_back('/');
      if (loc.prefix.find("//") != std::string::npos) {
        config_error("S3 prefix has an empty path segment", "The prefix is \"" + std::string(url) + "\".");
      }
    }
  }
  if (loc.prefix.find('?') != std::string::npos || loc.prefix.find('#') != std::string::npos) {
    config_error("S3 prefix must not contain '?' or '#'", "The prefix is \"" + std::string(url) + "\".");
  }
  return loc;
}

S3Endpoint parse_s3_endpoint(std::string_view uri) {
  auto invalid = [&](const std::string& why) -> void {
    config_error("WALE_S3_ENDPOINT URI " + why, "The value is \"" + std::string(uri) + "\".",
                 "Use <http|https>+<virtualhost|path|subdomain>://host[:port], e.g. http+path://127.0.0.1:9000.");
  };
  S3Endpoint ep;
  std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos) invalid("scheme is invalid");
  std::string scheme = lower(uri.substr(0, sep));
  std::size_t plus = scheme.find('+');
  if (plus == std::string::npos) invalid("scheme is invalid");
  std::string proto = scheme.substr(0, plus);
  std::string style = scheme.substr(plus + 1);
  if (proto != "http" && proto != "https") invalid("scheme is invalid");
  if (style == "path") {
    ep.addressing = Addressing::Path;
  } else if (style == "virtualhost" || style == "subdomain") {
    ep.addressing = Addressing::VirtualHost;
  } else {
    invalid("scheme is invalid");
  }
  ep.scheme = proto;
  std::string_view rest = uri.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (end != std::string_view::npos) {
    std::string_view tail = rest.substr(end);
    if (tail != "/") invalid("must not have a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) invalid("must not contain user information");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) invalid("has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') invalid("host is invalid");
      port = after.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) invalid("has no host");
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '.' || c == ':' || c == '_')) invalid("host is invalid");
  }
  ep.host = lower(host);
  if (authority.find(':') != std::string_view::npos && (port.empty() && authority.back() == ':')) {
    invalid("port is invalid");
  }
  if (!port.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      invalid("port is invalid");
    }
    ep.port = static_cast<std::uint16_t>(value);
  }
  return ep;
}

S3Endpoint aws_endpoint(std::string_view region, std::string_view bucket) {
  S3Endpoint ep;
  ep.scheme = "https";
  ep.host = "s3." + std::string(region) + ".amazonaws.com";
  ep.addressing = dns_compatible_bucket(bucket) ? Addressing::VirtualHost : Addressing::Path;
  return ep;
}

ResolvedEndpoint resolve_endpoint(std::string_view region, std::string_view endpoint_uri, std::string_view bucket) {
  ResolvedEndpoint r;
  if (!endpoint_uri.empty()) {
    r.endpoint = parse_s3_endpoint(endpoint_uri);
    r.region = region.empty() ? "us-east-1" : std::string(region);
    return r;
  }
  if (region.empty()) {
    config_error("must define one of AWS_REGION or WALE_S3_ENDPOINT", {},
                 "Set AWS_REGION (e.g. us-east-1) for AWS S3, or WALE_S3_ENDPOINT for another S3 server.");
  }
  for (char c : region) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::islower(u) || std::isdigit(u) || c == '-')) {
      config_error("AWS_REGION \"" + std::string(region) + "\" is not a valid region name");
    }
  }
  r.region = std::string(region);
  r.endpoint = aws_endpoint(region, bucket);
  return r;
}

void validate(const S3Config& c) {
  check_bucket_name(c.bucket, "s3://" + c.bucket + "/" + c.prefix);
  if (!c.prefix.empty() && (c.prefix.back() != '/' || c.prefix.front() == '/')) {
    config_error("S3 key prefix must be empty or end with '/' and not start with '/'",
                 "The prefix is \"" + c.prefix + "\".");
  }
  if (c.endpoint.host.empty()) config_error("S3 endpoint has no host");
  if (c.endpoint.scheme != "http" && c.endpoint.scheme != "https") {
    config_error("WALE_S3_ENDPOINT URI scheme is invalid");
  }
  if (c.region.empty()) config_error("must define one of AWS_REGION or WALE_S3_ENDPOINT");
  if (c.credentials) {
    // Keys come from the cache when they are needed.
  } else if (c.access_key_id.empty()) {
    config_error("AWS Access Key credential is required but not provided", {},
                 "Set AWS_ACCESS_KEY_ID (or pass -k) and AWS_SECRET_ACCESS_KEY.");
  }
  if (!c.credentials && c.secret_access_key.empty()) {
    config_error("AWS Secret Access Key credential is required but not provided", {}, "Set AWS_SECRET_ACCESS_KEY.");
  }
  if (!c.sse.empty() && c.sse != "AES256" && c.sse != "aws:kms") {
    config_error("S3 server-side encryption must be AES256 or aws:kms", "The value is \"" + c.sse + "\".");
  }
  if (!c.kms_key_id.empty() && c.sse != "aws:kms") {
    config_error("a KMS key id needs server-side encryption aws:kms");
  }
  for (char ch : c.storage_class) {
    auto u = static_cast<unsigned char>(ch);
    if (!(std::isupper(u) || std::isdigit(u) || ch == '_')) {
      config_error("WALE_S3_STORAGE_CLASS \"" + c.storage_class + "\" is not a storage class name");
    }
  }
  if (c.retries < 1) config_error("WALE_RETRIES must be at least 1");
  if (c.parts_in_flight < 1) config_error("S3 parts in flight must be at least 1");
  if (c.part_size > kMaxPartSize) config_error("S3 part size must be at most 5 GiB");
}

std::uint64_t part_size_for(std::uint64_t base_part_size, int part_number) noexcept {
  std::uint64_t size = std::clamp(base_part_size, kMinPartSize, kMaxPartSize);
  int doublings = part_number <= 1 ? 0 : (part_number - 1) / 950;
  for (int i = 0; i < doublings && size < kMaxPartSize; ++i) size *= 2;
  return std::min(size, kMaxPartSize);
}

}  // namespace wale::store::s3
