// The AWS shared credentials and config files: INI parsing and profile lookup. Pure
// functions (no file access); thread-safe. credential_chain reads the files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

// INI text as the AWS shared files use it: "[section]" headers, "key = value"
// lines, '#'/';' comments; keys are lowercased; indented lines (nested
// settings such as "s3 =\n  max_concurrent_requests = 4") are skipped;
// "[profile   x]" becomes "profile x".
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections parse_ini(std::string_view text);

// The static keys of `profile` from the credentials file text (section
// "[profile]") and the config file text (section "[profile name]", or
// "[default]" for the default profile); the credentials file wins, as in the
// AWS CLI. nullopt if neither has aws_access_key_id for the profile.
// Throws Error{Config} if a profile has a key id but no secret.
std::optional<AwsCredentials> credentials_from_profiles(std::string_view credentials_text, std::string_view config_text,
                                                        std::string_view profile);

// The section of `profile` in the config file ("[profile x]"; "[default]" also for "default"); nullptr if none.
const std::map<std::string, std::string>* config_profile(const IniSections& config, const std::string& profile);

}  // namespace wale::store::s3
