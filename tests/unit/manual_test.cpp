// Documentation generated from the option table (app/manual.h) is what the
// README shows: a setting added to the table and not to README.md (or the
// other way round) fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "app/manual.h"
#include "config/options.h"

namespace wale::app {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Manual, ReadmeSettingsTableIsTheOptionTable) {
  std::string readme = read_file(std::string(WALE_SOURCE_DIR) + "/README.md");
  const std::string begin = "<!-- settings table: begin -->\n";
  const std::string end = "<!-- settings table: end -->";
  auto a = readme.find(begin);
  auto b = readme.find(end);
  ASSERT_NE(a, std::string::npos) << "README.md lost its settings table markers";
  ASSERT_NE(b, std::string::npos);
  ASSERT_LT(a, b);
  std::string in_readme = readme.substr(a + begin.size(), b - a - begin.size());
  EXPECT_EQ(in_readme, settings_markdown_table())
      << "README.md's settings table differs from the option table (config/options.cpp); "
         "replace it with the output of `wal-e --help-settings-table`.";
}

// `text` in backquotes (built by append: "`" + std::string makes GCC 12 -O3 warn -Wrestrict).
std::string code(std::string_view prefix, std::string_view text) {
  std::string c = "`";
  c.append(prefix).append(text).append("`");
  return c;
}

TEST(Manual, SettingsTableHasEveryDocumentedGlobalSetting) {
  std::string table = settings_markdown_table();
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.hidden) continue;
    if (!s.env[0].empty()) {
      EXPECT_NE(table.find(code("", s.env[0])), std::string::npos) << s.env[0];
    }
    if (!s.flag.empty()) {
      EXPECT_NE(table.find(code("--", s.flag)), std::string::npos) << s.flag;
    }
  }
  // One row per setting plus the header: a "|" in a help text must not split a row.
  std::size_t rows = 0, pipes_ok = 0;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    ++rows;
    std::size_t cells = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
    }
    if (cells == 5) ++pipes_ok;
  }
  EXPECT_EQ(pipes_ok, rows);
}

// wal-e(1) documents every subcommand, option and variable the parser knows
// (roff writes "-" as "\\-"; docs/check-man-page.sh renders the page with groff).
TEST(Manual, ManPageHasEveryCommandOptionAndVariable) {
  std::string page = man_page();
  auto roff = [](std::string_view text) {
    std::string out;
    for (char c : text) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
  };
  EXPECT_EQ(page.rfind(".TH WAL\\-E 1 ", 0), 0u);
  for (const auto& c : config::commands()) {
    EXPECT_NE(page.find(".SS " + roff(c.name)), std::string::npos) << c.name;
  }
  for (const auto& s : config::options()) {
    if (s.hidden) continue;
    if (!s.flag.empty()) {
      EXPECT_NE(page.find("\\fB" + roff("--" + std::string(s.flag)) + "\\fR"), std::string::npos) << s.flag;
    }
    for (auto e : s.env) {
      if (!e.empty()) {
        EXPECT_NE(page.find(roff(e)), std::string::npos) << e;
      }
    }
  }
  // No line may start a roff request by accident (a help text starting with "." or "'").
  std::size_t pos = 0;
  while ((pos = page.find("\n'", pos)) != std::string::npos) {
    ADD_FAILURE() << page.substr(pos, 40);
    ++pos;
  }
}

}  // namespace
}  // namespace wale::app
