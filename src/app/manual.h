// Documentation generated from the option table (config/options.h), so that
// the manual and the README cannot drift from what the parser accepts:
// - settings_markdown_table(): the README's settings table
//   (`wal-e --help-settings-table`; tests/unit/manual_test.cpp checks README.md).
// Pure functions; thread-safe.
#pragma once

#include <string>

namespace wale::app {

std::string settings_markdown_table();

}  // namespace wale::app
