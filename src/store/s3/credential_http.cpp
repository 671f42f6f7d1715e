#include "store/s3/credential_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/stop_token.h"
#include "store/s3/curl_handle.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {
namespace {

std::string strip_url_query(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t len = size * n;
  if (out->size() + len > (1u << 20)) return 0;  // credential documents are tiny
  out->append(data, len);
  return len;
}

// A stop request (SIGTERM...) aborts a credential fetch within a progress tick, not after its timeout.
int stop_on_request(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return stop_requested() ? 1 : 0; }

}  // namespace

[[noreturn]] void credential_config_error(std::string msg, std::string detail, std::string hint) {
  throw Error(ErrorCode::Config, std::move(msg), std::move(detail), std::move(hint));
}

std::string trim_ascii(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string env_get(const EnvLookup& env, std::string_view name) {
  if (!env) return {};
  auto v = env(name);
  return v ? *v : std::string{};
}

std::optional<std::string> read_credential_file(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) credential_config_error("cannot read " + std::string(what) + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Neither headers nor body (which may hold tokens) ever go into an error.
CredentialHttpReply credential_http(std::string_view method, const std::string& url,
                                    const std::vector<std::string>& headers, const std::string& body,
                                    const CredentialHttpOptions& opt, std::string_view what) {
  ensure_curl_global_init();
  CurlEasy h(curl_easy_init());
  if (!h) throw Error(ErrorCode::Internal, "curl_easy_init failed");
  CurlHeaderList hl;
  for (const auto& line : headers) hl.append(line);
  hl.append("Expect:");
  CredentialHttpReply reply;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, hl.get());
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(opt.total_timeout.count()));
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h.get(), CURLOPT_XFERINFOFUNCTION, stop_on_request);
  if (opt.no_proxy) curl_easy_setopt(h.get(), CURLOPT_NOPROXY, "*");
  if (!opt.ca_bundle.empty()) curl_easy_setopt(h.get(), CURLOPT_CAINFO, opt.ca_bundle.c_str());
  if (method == "PUT" || method == "POST") {
    curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else {
    curl_easy_setopt(h.get(), CURLOPT_HTTPGET, 1L);
  }
  CURLcode rc = curl_easy_perform(h.get());
  if (rc == CURLE_ABORTED_BY_CALLBACK && stop_requested()) throw process_stop_token().error();
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    throw Error(ErrorCode::Transient, std::string(what) + ": no reply from " + strip_url_query(url) + ": " + why);
  }
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

[[noreturn]] void credential_status_error(std::string_view what, const std::string& url, long status,
                                          std::string detail) {
  ErrorCode code = (status >= 500 || status == 429 || status == 408) ? ErrorCode::Transient : ErrorCode::Config;
  throw Error(code, std::string(what) + ": " + strip_url_query(url) + " answered HTTP " + std::to_string(status),
              std::move(detail));
}

AwsCredentials expiring_credentials(std::string id, std::string secret, std::string token,
                                    const std::string& expiration, std::string_view source) {
  if (id.empty() || secret.empty()) {
    throw Error(ErrorCode::Transient, "malformed " + std::string(source) + " reply: no AccessKeyId/SecretAccessKey");
  }
  AwsCredentials c{std::move(id), std::move(secret), std::move(token), std::nullopt};
  if (!expiration.empty()) {
    auto t = parse_iso8601(expiration);
    if (!t) {
      throw Error(ErrorCode::Transient,
                  "malformed " + std::string(source) + " reply: bad Expiration \"" + expiration + "\"");
    }
    c.expiration = *t;
  }
  return c;
}

AwsCredentials parse_credentials_json(std::string_view text, std::string_view source) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(ErrorCode::Transient, "malformed " + std::string(source) + " reply: not a JSON object");
  }
  auto str = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  std::string code = str("Code");
  if (!code.empty() && code != "Success") {
    throw Error(ErrorCode::Config, std::string(source) + " refused credentials: " + code, str("Message"));
  }
  return expiring_credentials(str("AccessKeyId"), str("SecretAccessKey"), str("Token"), str("Expiration"), source);
}

}  // namespace wale::store::s3
