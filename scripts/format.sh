#!/usr/bin/env bash
# Formats the C++ sources (src/ tests/ fuzz/ bench/) in place with clang-format
# and the repository's .clang-format.
#   bash scripts/format.sh           format every file
#   bash scripts/format.sh --check   change nothing; fail (listing each place) if
#                                    any file is not formatted (ctest format.check)
# Needs clang-format 14 (Debian 12's `clang-format`, scripts/install-deps.sh):
# other versions lay out some constructs differently, so the check insists on it.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=format
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null \
  || { echo "format: $CLANG_FORMAT not found: install Debian's clang-format (scripts/install-deps.sh)" >&2; exit 1; }
version=$("$CLANG_FORMAT" --version)
[[ "$version" =~ version\ 14\. ]] \
  || { echo "format: needs clang-format 14 (Debian 12), found: $version" >&2; exit 1; }
[ -f .clang-format ] || { echo "format: no .clang-format in $PWD" >&2; exit 1; }

mapfile -d '' files < <(find src tests fuzz bench -type f \
  \( -name '*.cpp' -o -name '*.cc' -o -name '*.h' -o -name '*.hpp' \) -not -path 'tests/testdata/*' -print0 | sort -z)
[ ${#files[@]} -gt 0 ] || { echo "format: no C++ files found" >&2; exit 1; }

if [ "$mode" = check ]; then
  if ! "$CLANG_FORMAT" --style=file --dry-run --Werror "${files[@]}"; then
    echo "format: files above are not formatted; run: bash scripts/format.sh" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  "$CLANG_FORMAT" --style=file -i "${files[@]}"
  echo "format: formatted ${#files[@]} files"
fi
