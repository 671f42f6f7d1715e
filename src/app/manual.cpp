#include "app/manual.h"

#include <sstream>
#include <string_view>

#include "app/cli.h"
#include "config/options.h"

namespace wale::app {
namespace {

using config::OptionSpec;
using config::OptType;

// Escapes text for roff: backslashes, and a leading "." or "'" (a request).
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string flag_synopsis(const OptionSpec& s) {
  std::string f;
  if (s.short_flag != 0) f += "\\fB\\-" + std::string(1, s.short_flag) + "\\fR, ";
  f += "\\fB" + roff("--" + std::string(s.flag)) + "\\fR";
  if (s.type != OptType::Switch) f += " \\fI" + roff(s.value_name) + "\\fR";
  return f;
}

std::string variables(const OptionSpec& s) {
  std::string v;
  for (auto e : s.env) {
    if (!e.empty()) v += (v.empty() ? "" : " or ") + std::string(e);
  }
  return v;
}

// The help text plus the default, as one paragraph.
std::string described(const OptionSpec& s) {
  std::string d(s.help);
  if (!s.default_text.empty()) d += " Default: " + std::string(s.default_text) + ".";
  return d;
}

// "\fIQUERY\fR", "[\fIQUERY\fR]" when it may be left out, "..." when repeated.
std::string positional_synopsis(const config::CommandSpec& c) {
  std::string p = "\\fI" + roff(c.positionals) + "\\fR";
  if (c.max_args > 2) p += "...";
  return c.min_args == 0 ? "[" + p + "]" : p;
}

// A multi-line summary (delete's) becomes a paragraph and a no-fill block.
void summary_block(std::ostringstream& out, std::string_view summary) {
  auto nl = summary.find('\n');
  out << roff(summary.substr(0, nl)) << "\n";
  if (nl == std::string_view::npos) return;
  out << ".PP\n.nf\n";
  std::string_view rest = summary.substr(nl + 1);
  while (!rest.empty()) {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    out << roff(line) << "\n";
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  out << ".fi\n";
}

}  // namespace

std::string man_page() {
  std::ostringstream out;
  out << ".TH WAL\\-E 1 \"\" \"wal-e " << version() << "\" \"User Commands\"\n";
  out << ".SH NAME\nwal\\-e \\- continuous archiving of PostgreSQL WAL and base backups to object storage\n";
  out << ".SH SYNOPSIS\n";
  for (const auto& c : config::commands()) {
    if (c.internal) continue;
    out << ".PP\n\\fBwal\\-e\\fR [\\fIGLOBAL OPTIONS\\fR] \\fB" << roff(c.name) << "\\fR";
    bool has_options = false;
    for (const auto& s : config::options()) has_options = has_options || config::takes(s, c.id);
    if (has_options) out << " [\\fIOPTIONS\\fR]";
    if (!c.positionals.empty()) out << " " << positional_synopsis(c);
    out << "\n";
  }
  out << ".PP\n\\fBwal\\-e \\-\\-version\\fR | \\fB\\-\\-help\\fR\n";
  out << ".SH DESCRIPTION\n"
         "wal\\-e archives a PostgreSQL cluster's WAL files (as its \\fBarchive_command\\fR) and base backups to a "
         "local directory or S3\\-compatible storage, and restores them (\\fBbackup\\-fetch\\fR, and "
         "\\fBwal\\-fetch\\fR as the \\fBrestore_command\\fR) for point\\-in\\-time recovery. It is a drop\\-in for "
         "WAL\\-E 1.1.1's command line and archive layout.\n"
         ".PP\n"
         "Settings come from the global options, which go before the subcommand, or from the environment; an "
         "envdir (\\fB\\-\\-envdir\\fR or \\fBWALE_ENVDIR\\fR: one file per variable) overrides the environment. "
         "The command line wins over both. Secrets are read only from the environment or the envdir, never "
         "from the command line.\n";
  out << ".SH GLOBAL OPTIONS\n";
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.flag.empty() || s.hidden) continue;
    out << ".TP\n" << flag_synopsis(s) << "\n" << roff(described(s));
    if (auto v = variables(s); !v.empty()) out << " Environment: \\fB" << roff(v) << "\\fR.";
    out << "\n";
  }
  out << ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint the options (of the subcommand, after one) and exit.\n";
  out << ".TP\n\\fB\\-\\-version\\fR\nPrint the version and exit.\n";
  out << ".SH SUBCOMMANDS\n";
  for (const auto& c : config::commands()) {
    out << ".SS " << roff(c.name);
    if (!c.positionals.empty()) out << " " << positional_synopsis(c);
    out << "\n";
    summary_block(out, c.summary);
    if (!c.positional_help.empty())
      out << ".PP\n\\fI" << roff(c.positionals) << "\\fR: " << roff(c.positional_help) << "\n";
    for (const auto& s : config::options()) {
      if (!config::takes(s, c.id)) continue;
      out << ".TP\n" << flag_synopsis(s) << "\n" << roff(described(s)) << "\n";
    }
  }
  out << ".SH ENVIRONMENT\n";
  for (const auto& s : config::options()) {
    if (s.env[0].empty() || s.hidden) continue;
    out << ".TP\n\\fB" << roff(variables(s)) << "\\fR\n" << roff(described(s));
    if (!s.flag.empty()) out << " Also \\fB" << roff("--" + std::string(s.flag)) << "\\fR.";
    if (s.secret) out << " A secret: never accepted on the command line.";
    out << "\n";
  }
  out << ".PP\nlibpq's variables (\\fBPGHOST\\fR, \\fBPGPORT\\fR, \\fBPGUSER\\fR, ...) choose the server "
         "\\fBbackup\\-push\\fR connects to; they may be set in the envdir too.\n";
  out << ".SH EXIT STATUS\n"
         ".TP\n\\fB0\\fR\nSuccess.\n"
         ".TP\n\\fB1\\fR\nAn error the operator can fix (no prefix, a missing file, an unknown backup, a "
         "verification that found a problem).\n"
         ".TP\n\\fB2\\fR\nA usage error, or an unexpected failure.\n"
         ".TP\n\\fB127\\fR\nNo subcommand was given.\n"
         ".TP\n\\fB128\\fR + \\fIN\\fR\nStopped by signal \\fIN\\fR (SIGINT 130, SIGTERM 143, SIGHUP 129, SIGQUIT "
         "131).\n"
         ".PP\n\\fBwal\\-fetch\\fR follows PostgreSQL's restore_command contract instead: \\fB1\\fR only when "
         "the archive definitely lacks the file (PostgreSQL then ends recovery), \\fB255\\fR for every other "
         "failure, so that PostgreSQL stops recovery instead of ending it.\n";
  out << ".SH SEE ALSO\n"
         "\\fBpostgres\\fR(1), \\fBenvdir\\fR(8); the operator's guide, \\fIoperators\\-guide.md\\fR, in the "
         "package's documentation directory.\n";
  return out.str();
}

std::string settings_markdown_table() {
  std::string t = "| variable | option | default | meaning |\n|---|---|---|---|\n";
  auto code = [](std::string_view s) {
    std::string c = "`";  // (not "`" + std::string(s): GCC 12 -O3 warns -Wrestrict on that)
    c.append(s).append("`");
    return c;
  };
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
