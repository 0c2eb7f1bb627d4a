# Helpers for the extension's shell tests: TAP output and psql against the
# throwaway server started with pgserver_start. Source after test/lib/pgserver.sh.

tap_failures=0

# sql DB [psql args...]: runs psql quietly, unaligned, stops at the first error.
sql() {
  local db=$1; shift
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGSERVER_PORT" -U postgres -d "$db" "$@"
}

# is ACTUAL EXPECTED DESCRIPTION
is() {
  if [ "$1" == "$2" ]; then
    echo "ok - $3"
  else
    echo "not ok - $3"
    echo "#   expected: $2"
    echo "#   actual:   $1"
    tap_failures=$((tap_failures + 1))
  fi
}

# Exit status of the test: non-zero when any check failed.
tap_done() {
  [ "$tap_failures" -eq 0 ]
}
