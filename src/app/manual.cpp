#include "app/manual.h"

#include <string_view>

#include "app/cli.h"
#include "config/options.h"

namespace wale::app {

std::string settings_markdown_table() {
  std::string t = "| variable | option | default | meaning |\n|---|---|---|---|\n";
  auto code = [](std::string_view s) { return "`" + std::string(s) + "`"; };
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.hidden) continue;
    std::string vars;
    for (auto e : s.env) {
      if (!e.empty()) vars += (vars.empty() ? "" : " or ") + code(e);
    }
    std::string flag;
    if (!s.flag.empty()) {
      if (s.short_flag != 0) flag = code(std::string("-") + s.short_flag) + ", ";
      flag += code("--" + std::string(s.flag));
    } else {
      flag = s.secret ? "(secret: environment only)" : "";
    }
    std::string meaning(s.help);
    for (std::size_t i = 0; (i = meaning.find('|', i)) != std::string::npos; i += 2) meaning.replace(i, 1, "\\|");
    t += "| " + vars + " | " + flag + " | " + (s.default_text.empty() ? "" : code(s.default_text)) + " | " + meaning +
         " |\n";
  }
  return t;
}

}  // namespace wale::app
