// Documentation generated from the option table (config/options.h), so that
// the manual and the README cannot drift from what the parser accepts:
// - man_page(): wal-e(1) in man(7) roff (`wal-e --help-man`; the build writes
//   it to ${PROJECT_BINARY_DIR}/man/wal-e.1 and `cmake --install` installs it);
// - settings_markdown_table(): the README's settings table
//   (`wal-e --help-settings-table`; tests/unit/manual_test.cpp checks README.md).
// Pure functions; thread-safe.
#pragma once

#include <string>

namespace wale::app {

std::string man_page();
std::string settings_markdown_table();

}  // namespace wale::app
