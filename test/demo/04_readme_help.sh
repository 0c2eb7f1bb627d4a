#!/usr/bin/env bash
# The README against the real binary: every option that `shoal COMMAND --help`
# prints is in the README, every `--option` the README names exists in some
# --help (or is one of pg-mig's flags the overview lists), every command is
# described, and the exit-code table is the binary's, verbatim. The man page and
# the bash completion (build/shoal.1, build/shoal.bash-completion) know the same
# commands and options. No server.
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

echo "# the man page and the completions, generated from the same tables as --help"
manual=$(dirname "$SHOAL")
release=$(sed -n '1s/^shoal (\([0-9.]*\).*/\1/p' debian/changelog)
like "$("$SHOAL" --version)" "^shoal $release " "shoal --version is debian/changelog's newest entry"
page=$(LC_ALL=C MANWIDTH=1000 man -l "$manual/shoal.1" 2>/dev/null)
like "$(head -1 "$manual/shoal.1" && sed -n 2p "$manual/shoal.1")" "\"shoal $release\"" "the man page names the release"
is "$(LC_ALL=C MANWIDTH=100 man --warnings -l "$manual/shoal.1" 2>&1 >/dev/null)" "" "man reads the page without a warning"
missing=""
for command in $commands; do
  grep -q "^       shoal $command" <<<"$page" || missing+=" $command"
done
for option in $(grep -o -- '--[a-z][a-z-]*' <<<"$all_help$("$SHOAL" lint --help)" | sort -u); do
  grep -q -- "$option" <<<"$page" || missing+=" $option"
done
is "$missing" "" "the man page has every command and every option of every --help"
unlisted=""
while IFS= read -r line; do
  grep -qF -- "$(sed 's/^ *//' <<<"$line")" <<<"$page" || unlisted+="$line;"
done <<<"$exit_codes"
is "$unlisted" "" "the man page has the exit-code table"

# bash: what _shoal offers for a command line ending in the word being completed.
offers() {  # WORD… (the last one is being completed)
  (
    PATH=$manual:$PATH
    source "$manual/shoal.bash-completion"
    COMP_WORDS=(shoal "$@") COMP_CWORD=$#
    _shoal
    printf '%s\n' "${COMPREPLY[@]}" | sort
  )
}
# The options --help lists, one a line ("  --migdir DIR …", "  -h [ --help ]").
help_options() { "$SHOAL" "$1" --help | sed -n 's/^  \(-h \[ \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | sort -u; }
is "$(offers '')" "$(sort <<<"$commands")" "bash: the commands"
is "$(offers he)" "help" "bash: a command's start"
wrong=""
for command in $commands; do
  # help's help is the overview; lint's lists lint's own options only.
  [ "$command" = help ] || [ "$command" = lint ] && continue
  [ "$(offers "$command" --)" = "$(help_options "$command")" ] || wrong+=" $command"
done
is "$wrong" "" "bash: each command's options are its --help's"
is "$(comm -13 <(offers lint --) <(help_options lint))" "" "bash: lint's options include those its help lists"
is "$(offers --migdir examples/m)" "examples/migrations" "bash: a directory after --migdir"
versions=$("$SHOAL" list --migdir examples/migrations | sed -n 's/^ > //p' | sort)
is "$(offers undo --migdir examples/migrations '')" "$versions" "bash: undo VERSION: the versions of --migdir"
is "$(offers apply --migdir = examples/migrations --to 2024020)" "$(grep '^2024020' <<<"$versions")" \
  "bash: --to VERSION, after --migdir=DIR (three words to bash)"
is "$(offers help st)" "status" "bash: help COMMAND"
if command -v zsh >/dev/null; then
  zsh -n "$manual/_shoal"
  ok $? "zsh reads _shoal"
else
  echo "ok - # skip zsh is not installed: _shoal not parsed"
fi

done_testing
