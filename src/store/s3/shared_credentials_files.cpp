#include "store/s3/shared_credentials_files.h"

#include <cctype>

#include "core/error.h"
#include "store/s3/credential_http.h"

namespace wale::store::s3 {

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
    std::string line = trim_ascii(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string::npos) {
        in_section = false;
        continue;
      }
      section = trim_ascii(std::string_view(line).substr(1, close - 1));
      // "[profile   x]" -> "profile x"
      if (section.rfind("profile", 0) == 0 && section.size() > 7 &&
          std::isspace(static_cast<unsigned char>(section[7]))) {
        section = "profile " + trim_ascii(std::string_view(section).substr(7));
      }
      in_section = true;
      out[section];
      continue;
    }
    std::size_t eq = line.find('=');
    if (!in_section || eq == std::string::npos) continue;
    std::string key = lower_ascii(trim_ascii(std::string_view(line).substr(0, eq)));
    std::string value = trim_ascii(std::string_view(line).substr(eq + 1));
    // "value ; comment" / "value # comment" (whitespace before the marker) as botocore does.
    for (std::string_view marker : {" #", "\t#", " ;", "\t;"}) {
      std::size_t c = value.find(marker);
      if (c != std::string::npos) value = trim_ascii(std::string_view(value).substr(0, c));
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
    credential_config_error("AWS profile \"" + std::string(profile) + "\" in the " + std::string(file) +
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

const std::map<std::string, std::string>* config_profile(const IniSections& config, const std::string& profile) {
  const auto* s = profile_section(config, "profile " + profile);
  if (!s && profile == "default") s = profile_section(config, "default");
  return s;
}

}  // namespace wale::store::s3
