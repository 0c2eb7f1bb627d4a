#!/usr/bin/env bash
# What the scripts that run test/generate/'s corpus share (33_generate.sh,
# 33_generate_renames_partitions.sh,
# 37_generate_adversary.sh): source it after lib.sh. It uses DB (the fleet's
# database), MIG (its migration directory), CORPUS (test/generate), WORK (a
# scratch directory), DONE (the versions of the cases run before, oldest
# first) and sets VERSIONS.

base_fleet() {  # NAME: DB=NAME, one shard per node, and MIG=$WORK/NAME holding the corpus's base
  DB=$1
  MIG=$WORK/$1
  mkdir -p "$MIG"
  cp "$CORPUS"/base/* "$MIG"
  fleet_create "$DB" 1
}
fingerprint() {  # NODE SCHEMA
  q "$1" "$DB" "SELECT fingerprint FROM shoal.schema_fingerprints(ARRAY['$2'])"
}
gen() {  # SCHEMA_DIR ARGS… → OUT, RC
  run_shoal "$DB" "$MIG" generate --schema-dir "$1" "${@:2}"
}
new_versions() {  # the versions after the base, oldest first
  ls "$MIG" | sed -n 's/\.up\.sql$//p' | grep -v '^20250101000000\.' | sort
}

run_case() {  # NAME [ARGS…]: one corpus case, from generate to undo and back
  local name=$1 expected=$CORPUS/$1/expected before after version k
  shift
  before=$(fingerprint node1 sh0000)
  gen "$CORPUS/$name/schema" "${name#*_}@sh" "$@"
  is "$RC" 0 "$name: generate exits 0"
  [ "$RC" = 0 ] || sed 's/^/#   /' <<<"$OUT"
  mapfile -t VERSIONS < <(new_versions | grep -vxF -f <(printf '%s\n' "${DONE[@]:-}"))
  if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
    rm -rf "$expected" && mkdir -p "$expected"
    k=0
    for version in "${VERSIONS[@]}"; do
      k=$((k + 1))
      cp "$MIG/$version.up.sql" "$expected/$k.up.sql"
      cp "$MIG/$version.dn.sql" "$expected/$k.dn.sql"
    done
  fi
  is "${#VERSIONS[@]}" "$(($(ls "$expected" | wc -l) / 2))" "$name: as many versions as golden"
  k=0
  for version in "${VERSIONS[@]}"; do
    k=$((k + 1))
    is "$(cat "$MIG/$version.up.sql")" "$(cat "$expected/$k.up.sql")" "$name: $version.up.sql is golden"
    is "$(cat "$MIG/$version.dn.sql")" "$(cat "$expected/$k.dn.sql")" "$name: $version.dn.sql is golden"
  done
  run_shoal "$DB" "$MIG" lint
  is "$RC" 0 "$name: lint passes"
  "$SHOAL" chain --check --migdir "$MIG" >/dev/null
  is "$?" 0 "$name: chain.txt was updated"
  run_shoal "$DB" "$MIG" apply
  is "$RC" 0 "$name: apply exits 0"
  run_shoal "$DB" "$MIG" verify
  is "$RC" 0 "$name: verify is clean"
  gen "$CORPUS/$name/schema" "${name#*_}@sh" --check
  is "$RC" 0 "$name: generate --check finds no changes"
  after=$(fingerprint node1 sh0000)
  for ((k = ${#VERSIONS[@]} - 1; k >= 0; k--)); do
    run_shoal "$DB" "$MIG" undo "${VERSIONS[$k]}" --yes
    [ "$RC" = 0 ] || echo "# undo ${VERSIONS[$k]}: $OUT"
  done
  is "$(fingerprint node1 sh0000)" "$before" "$name: undo gives the original fingerprint"
  run_shoal "$DB" "$MIG" apply
  is "$(fingerprint node1 sh0000)" "$after" "$name: apply again gives the desired one"
  DONE+=("${VERSIONS[@]}")
}
