#include "store/s3/aws_credentials.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/stop_token.h"
#include "store/s3/curl_handle.h"
#include "store/s3/s3_xml.h"
#include "store/s3/sigv4_signer.h"

namespace wale::store::s3 {
namespace {

[[noreturn]] void config_error(std::string msg, std::string detail = {}, std::string hint = {}) {
  throw Error(ErrorCode::Config, std::move(msg), std::move(detail), std::move(hint));
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string get(const EnvLookup& env, std::string_view name) {
  if (!env) return {};
  auto v = env(name);
  return v ? *v : std::string{};
}

// Reads a whole small file; nullopt if it does not exist. Other errors are Error{Config}.
std::optional<std::string> read_file(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) config_error("cannot read " + std::string(what) + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string strip_url_query(std::string_view url) {
  return std::string(url.substr(0, url.find('?')));
}

// ---- One HTTP request to a metadata/STS endpoint ---------------------------

struct HttpReply {
  long status = 0;
  std::string body;
};

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t len = size * n;
  if (out->size() + len > (1u << 20)) return 0;  // credential documents are tiny
  out->append(data, len);
  return len;
}

// A stop request (SIGTERM...) aborts a credential fetch within a progress tick, not after its timeout.
int stop_on_request(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return stop_requested() ? 1 : 0; }

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds total_timeout{5000};
  bool no_proxy = false;  // link-local metadata services are never reached through a proxy
  std::string ca_bundle;
};

// Throws Error{Transient} when there is no reply. `what` names the service for messages;
// neither headers nor body (which may hold tokens) ever go into an error.
HttpReply http_call(std::string_view method, const std::string& url, const std::vector<std::string>& headers,
                    const std::string& body, const HttpOptions& opt, std::string_view what) {
  ensure_curl_global_init();
  CurlEasy h(curl_easy_init());
  if (!h) throw Error(ErrorCode::Internal, "curl_easy_init failed");
  CurlHeaderList hl;
  for (const auto& line : headers) hl.append(line);
  hl.append("Expect:");
  HttpReply reply;
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
    throw Error(ErrorCode::Transient,
                std::string(what) + ": no reply from " + strip_url_query(url) + ": " + why);
  }
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

[[noreturn]] void bad_status(std::string_view what, const std::string& url, long status, std::string detail = {}) {
  ErrorCode code = (status >= 500 || status == 429 || status == 408) ? ErrorCode::Transient : ErrorCode::Config;
  throw Error(code, std::string(what) + ": " + strip_url_query(url) + " answered HTTP " + std::to_string(status),
              std::move(detail));
}

AwsCredentials parse_expiring(std::string id, std::string secret, std::string token, const std::string& expiration,
                              std::string_view source) {
  if (id.empty() || secret.empty()) {
    throw Error(ErrorCode::Transient, "malformed " + std::string(source) + " reply: no AccessKeyId/SecretAccessKey");
  }
  AwsCredentials c{std::move(id), std::move(secret), std::move(token), std::nullopt};
  if (!expiration.empty()) {
    auto t = parse_iso8601(expiration);
    if (!t) {
      throw Error(ErrorCode::Transient, "malformed " + std::string(source) + " reply: bad Expiration \"" + expiration +
                                            "\"");
    }
    c.expiration = *t;
  }
  return c;
}

// ---- Providers -------------------------------------------------------------

class StaticProvider final : public CredentialsProvider {
 public:
  StaticProvider(AwsCredentials c, std::string name) : creds_(std::move(c)), name_(std::move(name)) {}
  AwsCredentials fetch() override { return creds_; }
  std::string name() const override { return name_; }

 private:
  AwsCredentials creds_;
  std::string name_;
};

class ImdsProvider final : public CredentialsProvider {
 public:
  explicit ImdsProvider(std::string endpoint) : endpoint_(std::move(endpoint)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }
  std::string name() const override { return "EC2 instance profile"; }
  AwsCredentials fetch() override {
    constexpr std::string_view what = "EC2 instance metadata";
    HttpOptions opt;
    opt.no_proxy = true;
    // IMDSv2: a session token first (PUT), then every read carries it.
    std::string url = endpoint_ + "/latest/api/token";
    HttpReply tok = http_call("PUT", url, {"X-aws-ec2-metadata-token-ttl-seconds: 21600"}, "", opt, what);
    if (tok.status != 200 || tok.body.empty()) bad_status(what, url, tok.status, "The IMDSv2 session token request failed.");
    std::string auth = "X-aws-ec2-metadata-token: " + trim(tok.body);
    url = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    HttpReply roles = http_call("GET", url, {auth}, "", opt, what);
    if (roles.status == 404) {
      config_error("EC2 instance metadata: this instance has no IAM role (instance profile)", {},
                   "Attach an instance profile with access to the bucket, or set AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY.");
    }
    if (roles.status != 200) bad_status(what, url, roles.status);
    std::string role = trim(roles.body.substr(0, roles.body.find('\n')));
    if (role.empty()) config_error("EC2 instance metadata: this instance has no IAM role (instance profile)");
    url += uri_encode(role, false);
    HttpReply cred = http_call("GET", url, {auth}, "", opt, what);
    if (cred.status != 200) bad_status(what, url, cred.status);
    return parse_credentials_json(cred.body, what);
  }

 private:
  std::string endpoint_;
};

class WebIdentityProvider final : public CredentialsProvider {
 public:
  WebIdentityProvider(std::string endpoint, std::string role_arn, std::string token_file, std::string session_name,
                      std::string ca_bundle)
      : endpoint_(std::move(endpoint)),
        role_arn_(std::move(role_arn)),
        token_file_(std::move(token_file)),
        session_name_(std::move(session_name)),
        ca_bundle_(std::move(ca_bundle)) {}
  std::string name() const override { return "web identity"; }
  AwsCredentials fetch() override {
    constexpr std::string_view what = "STS AssumeRoleWithWebIdentity";
    auto token = read_file(token_file_, "web identity token file");
    if (!token || trim(*token).empty()) {
      config_error("web identity token file " + token_file_ + " is missing or empty", {},
                   "Check AWS_WEB_IDENTITY_TOKEN_FILE (Kubernetes mounts it for the pod's service account).");
    }
    std::string session = session_name_;
    if (session.empty()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch());
      session = "wal-e-" + std::to_string(ms.count());
    }
    // The token goes in the POST body, never in the URL (which proxies and servers log).
    std::string body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + uri_encode(role_arn_, false) +
                       "&RoleSessionName=" + uri_encode(session, false) +
                       "&WebIdentityToken=" + uri_encode(trim(*token), false);
    HttpOptions opt;
    opt.connect_timeout = std::chrono::milliseconds(5000);
    opt.total_timeout = std::chrono::milliseconds(30000);
    opt.ca_bundle = ca_bundle_;
    std::string url = endpoint_;
    if (url.find('/', url.find("://") + 3) == std::string::npos) url += "/";
    HttpReply r = http_call("POST", url, {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                                          "Accept: application/xml"},
                            body, opt, what);
    if (r.status != 200) {
      std::string code, message;
      if (auto e = parse_sts_error(r.body)) {
        code = e->code;
        message = e->message;
      }
      ErrorCode ec = (r.status >= 500 || code == "Throttling" || code == "IDPCommunicationError")
                         ? ErrorCode::Transient
                         : ErrorCode::Config;
      throw Error(ec, std::string(what) + " for role " + role_arn_ + " failed: HTTP " + std::to_string(r.status) +
                          (code.empty() ? "" : " " + code),
                  message, ec == ErrorCode::Config ? "Check the role's trust policy and AWS_ROLE_ARN." : "");
    }
    return parse_assume_role_response(r.body);
  }

 private:
  std::string endpoint_, role_arn_, token_file_, session_name_, ca_bundle_;
};

class ContainerProvider final : public CredentialsProvider {
 public:
  ContainerProvider(std::string uri, std::string token, std::string token_file)
      : uri_(std::move(uri)), token_(std::move(token)), token_file_(std::move(token_file)) {}
  std::string name() const override { return "ECS container"; }
  AwsCredentials fetch() override {
    constexpr std::string_view what = "container credentials endpoint";
    std::vector<std::string> headers;
    std::string token = token_;
    if (!token_file_.empty()) {
      auto t = read_file(token_file_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      if (!t) config_error("container authorization token file " + token_file_ + " does not exist");
      token = trim(*t);
    }
    if (!token.empty()) headers.push_back("Authorization: " + token);
    HttpOptions opt;
    opt.connect_timeout = std::chrono::milliseconds(2000);
    opt.total_timeout = std::chrono::milliseconds(10000);
    opt.no_proxy = true;
    HttpReply r = http_call("GET", uri_, headers, "", opt, what);
    if (r.status != 200) bad_status(what, uri_, r.status);
    return parse_credentials_json(r.body, what);
  }

 private:
  std::string uri_, token_, token_file_;
};

// The instance profile as the chain's last resort: when nothing answers at the
// metadata address (not on EC2), say that no credentials were found anywhere.
class ChainFallbackImds final : public CredentialsProvider {
 public:
  explicit ChainFallbackImds(std::string endpoint) : imds_(std::move(endpoint)) {}
  std::string name() const override { return imds_.name(); }
  AwsCredentials fetch() override {
    try {
      return imds_.fetch();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Transient) throw;
      config_error("no AWS credentials found",
                   "Tried the environment, the shared credentials and config files, web identity, the ECS "
                   "container endpoint and the EC2 instance metadata service (" + e.message() + ").",
                   "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on EC2 with an "
                   "instance profile.");
    }
  }

 private:
  ImdsProvider imds_;
};

std::string expand_home(const std::string& path, const EnvLookup& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) return get(env, "HOME") + path.substr(1);
  return path;
}

}  // namespace

void check_container_uri(std::string_view uri) {
  // As the AWS SDKs: the authorization token goes over plain http only to this host or the
  // container agent's link-local addresses, never to an arbitrary host.
  std::size_t sep = uri.find("://");
  std::string scheme = sep == std::string_view::npos ? "" : lower(uri.substr(0, sep));
  if (scheme == "https") return;
  if (scheme == "http") {
    std::string_view rest = uri.substr(sep + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
      host = authority.substr(1, authority.find(']') == std::string_view::npos ? 0 : authority.find(']') - 1);
    } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
    }
    std::string h = lower(host);
    if (h == "localhost" || h == "::1" || h == "169.254.170.2" || h == "169.254.170.23" || h == "fd00:ec2::23" ||
        h.rfind("127.", 0) == 0) {
      return;
    }
  }
  config_error("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS agent address",
               "The value is \"" + std::string(uri) + "\".");
}

EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> vars) {
  auto shared = std::make_shared<const std::map<std::string, std::string, std::less<>>>(std::move(vars));
  return [shared](std::string_view name) -> std::optional<std::string> {
    auto it = shared->find(name);
    if (it == shared->end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::unique_ptr<CredentialsProvider> make_static_provider(AwsCredentials creds, std::string name) {
  return std::make_unique<StaticProvider>(std::move(creds), std::move(name));
}

IniSections parse_ini(std::string_view text) {
  IniSections out;
  std::string section;
  bool in_section = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) continue;  // nested setting
    std::string line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string::npos) {
        in_section = false;
        continue;
      }
      section = trim(std::string_view(line).substr(1, close - 1));
      // "[profile   x]" -> "profile x"
      if (section.rfind("profile", 0) == 0 && section.size() > 7 && std::isspace(static_cast<unsigned char>(section[7]))) {
        section = "profile " + trim(std::string_view(section).substr(7));
      }
      in_section = true;
      out[section];
      continue;
    }
    std::size_t eq = line.find('=');
    if (!in_section || eq == std::string::npos) continue;
    std::string key = lower(trim(std::string_view(line).substr(0, eq)));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    // "value ; comment" / "value # comment" (whitespace before the marker) as botocore does.
    for (std::string_view marker : {" #", "\t#", " ;", "\t;"}) {
      std::size_t c = value.find(marker);
      if (c != std::string::npos) value = trim(std::string_view(value).substr(0, c));
    }
    out[section][key] = value;
  }
  return out;
}

namespace {
const std::map<std::string, std::string>* profile_section(const IniSections& ini, const std::string& name) {
  auto it = ini.find(name);
  return it == ini.end() ? nullptr : &it->second;
}

std::optional<AwsCredentials> keys_of(const std::map<std::string, std::string>* s, std::string_view profile,
                                      std::string_view file) {
  if (!s) return std::nullopt;
  auto id = s->find("aws_access_key_id");
  if (id == s->end() || id->second.empty()) return std::nullopt;
  auto secret = s->find("aws_secret_access_key");
  if (secret == s->end() || secret->second.empty()) {
    config_error("AWS profile \"" + std::string(profile) + "\" in the " + std::string(file) +
                 " has aws_access_key_id but no aws_secret_access_key");
  }
  AwsCredentials c{id->second, secret->second, {}, std::nullopt};
  if (auto t = s->find("aws_session_token"); t != s->end()) c.session_token = t->second;
  else if (auto t2 = s->find("aws_security_token"); t2 != s->end()) c.session_token = t2->second;
  return c;
}
}  // namespace

std::optional<AwsCredentials> credentials_from_profiles(std::string_view credentials_text, std::string_view config_text,
                                                        std::string_view profile) {
  std::string p(profile);
  if (auto c = keys_of(profile_section(parse_ini(credentials_text), p), profile, "credentials file")) return c;
  IniSections config = parse_ini(config_text);
  const auto* s = profile_section(config, "profile " + p);
  if (!s && p == "default") s = profile_section(config, "default");
  return keys_of(s, profile, "config file");
}

std::string imds_endpoint(const EnvLookup& env) {
  std::string ep = get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (ep.empty()) {
    ep = lower(get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == "ipv6" ? "http://[fd00:ec2::254]"
                                                                             : "http://169.254.169.254";
  }
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  return ep;
}

std::string sts_endpoint(const EnvLookup& env) {
  std::string ep = get(env, "AWS_ENDPOINT_URL_STS");
  if (ep.empty()) ep = get(env, "AWS_ENDPOINT_URL");
  if (!ep.empty()) return ep;
  std::string region = get(env, "AWS_REGION");
  if (region.empty()) region = get(env, "AWS_DEFAULT_REGION");
  return region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
}

std::unique_ptr<CredentialsProvider> make_imds_provider(std::string endpoint) {
  return std::make_unique<ImdsProvider>(std::move(endpoint));
}

std::unique_ptr<CredentialsProvider> make_web_identity_provider(std::string sts_endpoint, std::string role_arn,
                                                                std::string token_file, std::string session_name) {
  return std::make_unique<WebIdentityProvider>(std::move(sts_endpoint), std::move(role_arn), std::move(token_file),
                                               std::move(session_name), std::string{});
}

std::unique_ptr<CredentialsProvider> make_container_provider(std::string uri, std::string auth_token,
                                                             std::string auth_token_file) {
  return std::make_unique<ContainerProvider>(std::move(uri), std::move(auth_token), std::move(auth_token_file));
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
  return parse_expiring(str("AccessKeyId"), str("SecretAccessKey"), str("Token"), str("Expiration"), source);
}

AwsCredentials parse_assume_role_response(std::string_view xml) {
  auto c = parse_sts_credentials(xml);
  if (!c) throw Error(ErrorCode::Transient, "malformed STS AssumeRoleWithWebIdentity reply: no <Credentials>");
  return parse_expiring(c->access_key_id, c->secret_access_key, c->session_token, c->expiration,
                        "STS AssumeRoleWithWebIdentity");
}

std::unique_ptr<CredentialsProvider> make_default_chain(const CredentialSources& src) {
  const EnvLookup& env = src.env;
  if (src.instance_profile_only) {
    if (lower(get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
      config_error("--aws-instance-profile was given but AWS_EC2_METADATA_DISABLED is true");
    }
    return make_imds_provider(imds_endpoint(env));
  }
  // 1. Environment (and -k).
  if (!src.access_key_id.empty() || !src.secret_access_key.empty()) {
    if (src.access_key_id.empty()) {
      config_error("AWS Access Key credential is required but not provided", {},
                   "Set AWS_ACCESS_KEY_ID (or pass -k) along with AWS_SECRET_ACCESS_KEY.");
    }
    if (src.secret_access_key.empty()) {
      config_error("AWS Secret Access Key credential is required but not provided", {},
                   "Set AWS_SECRET_ACCESS_KEY.");
    }
    return make_static_provider({src.access_key_id, src.secret_access_key, src.session_token, std::nullopt});
  }
  // 2. Shared credentials and config files.
  std::string explicit_profile = get(env, "AWS_PROFILE");
  if (explicit_profile.empty()) explicit_profile = get(env, "AWS_DEFAULT_PROFILE");
  std::string profile = explicit_profile.empty() ? "default" : explicit_profile;
  std::string cred_path = get(env, "AWS_SHARED_CREDENTIALS_FILE");
  std::string conf_path = get(env, "AWS_CONFIG_FILE");
  bool have_home = !get(env, "HOME").empty();
  if (cred_path.empty() && have_home) cred_path = "~/.aws/credentials";
  if (conf_path.empty() && have_home) conf_path = "~/.aws/config";
  std::optional<std::string> cred_text, conf_text;
  if (!cred_path.empty()) cred_text = read_file(expand_home(cred_path, env), "AWS shared credentials file");
  if (!conf_path.empty()) conf_text = read_file(expand_home(conf_path, env), "AWS config file");
  if (auto c = credentials_from_profiles(cred_text.value_or(""), conf_text.value_or(""), profile)) {
    return make_static_provider(std::move(*c), "shared credentials file (profile " + profile + ")");
  }
  // A profile that names a web identity role in the config file (as AWS_ROLE_ARN does).
  IniSections conf = parse_ini(conf_text.value_or(""));
  const auto* ps = profile_section(conf, "profile " + profile);
  if (!ps && profile == "default") ps = profile_section(conf, "default");
  if (ps && ps->count("role_arn") && ps->count("web_identity_token_file")) {
    std::string session = ps->count("role_session_name") ? ps->at("role_session_name") : get(env, "AWS_ROLE_SESSION_NAME");
    return std::make_unique<WebIdentityProvider>(sts_endpoint(env), ps->at("role_arn"),
                                                 expand_home(ps->at("web_identity_token_file"), env), session,
                                                 get(env, "AWS_CA_BUNDLE"));
  }
  bool profile_known = ps || profile_section(parse_ini(cred_text.value_or("")), profile);
  if (!explicit_profile.empty()) {
    if (!profile_known) {
      config_error("AWS profile \"" + profile + "\" was not found",
                   "Looked in " + (cred_path.empty() ? std::string("(no credentials file)") : cred_path) + " and " +
                       (conf_path.empty() ? std::string("(no config file)") : conf_path) + ".",
                   "Check AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.");
    }
    config_error("AWS profile \"" + profile + "\" has no credentials wal-e can use",
                 "wal-e reads aws_access_key_id/aws_secret_access_key[/aws_session_token] and "
                 "role_arn + web_identity_token_file; source_profile, credential_process and SSO profiles are "
                 "not supported.");
  }
  // 3. Web identity (Kubernetes service accounts, EKS IRSA).
  std::string role_arn = get(env, "AWS_ROLE_ARN");
  std::string token_file = get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  if (!role_arn.empty() && !token_file.empty()) {
    return std::make_unique<WebIdentityProvider>(sts_endpoint(env), role_arn, token_file,
                                                 get(env, "AWS_ROLE_SESSION_NAME"), get(env, "AWS_CA_BUNDLE"));
  }
  // 4. ECS (and EKS Pod Identity) container credentials.
  std::string rel = get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::string full = get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!rel.empty() || !full.empty()) {
    std::string uri = !rel.empty() ? "http://169.254.170.2" + rel : full;
    if (rel.empty()) check_container_uri(full);
    return make_container_provider(uri, get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                                   get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  }
  // 5. EC2 instance profile.
  if (lower(get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
    config_error("no AWS credentials found",
                 "Tried the environment, the shared credentials and config files, web identity and the ECS "
                 "container endpoint; the EC2 instance metadata service is disabled (AWS_EC2_METADATA_DISABLED).",
                 "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE.");
  }
  return std::make_unique<ChainFallbackImds>(imds_endpoint(env));
}

}  // namespace wale::store::s3
