#!/usr/bin/env bash
# The README against the real binary: every option that `shoal COMMAND --help`
# prints is in the README, every `--option` the README names exists in some
# --help (or is one of pg-mig's flags the overview lists), every command is
# described, and the exit-code table is the binary's, verbatim. No server.
source "$(dirname "$0")/../cluster/lib.sh"
cd "$CLUSTER_ROOT"
readme=$(cat README.md)
overview=$("$SHOAL" help)
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$overview")

all_help=$overview
for command in $commands; do
  help=$("$SHOAL" "$command" --help)
  all_help+=$'\n'$help
  like "$readme" "shoal $command" "the README describes shoal $command"
  missing=""
  for option in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
    grep -q -- "$option" <<<"$readme" || missing+=" $option"
  done
  is "$missing" "" "every option of shoal $command --help is in the README"
done

# --createdb is named as a pg-mig flag shoal does not take; --version is taken
# without being listed (shoal version is).
unknown=""
for option in $(grep -o -- '`[^`]*--[a-z][a-z-]*' README.md | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  [ "$option" = --createdb ] && continue
  [ "$option" = --version ] && "$SHOAL" --version >/dev/null && continue
  grep -q -- "$option" <<<"$all_help" || unknown+=" $option"
done
is "$unknown" "" "every --option the README names exists in shoal's help"

exit_codes=$(sed -n '/^Exit codes:/,$p' <<<"$overview" | tail -n +2)
like "$readme" "$(head -1 <<<"$exit_codes" | sed 's/[][().*]/\\&/g')" "the README has the exit-code table"
readme_codes=$(sed -n '/^## Exit codes/,/^## /p' README.md | sed -n '/^```$/,/^```$/p' | grep -v '^```')
is "$readme_codes" "$exit_codes" "the README's exit codes are the binary's, verbatim"

done_testing
