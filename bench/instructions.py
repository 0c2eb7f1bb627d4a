#!/usr/bin/env python3
"""Server instructions per step: shoal's mig_apply against the same SQL run raw.

Wall-clock ratios on a shared 2-core VM move by up to 50 % between repetitions
(bench/results/issue16.md), more than any change to the extension does. This
counts instructions instead, which do not depend on what else the machine runs:
valgrind (callgrind) runs a single-user backend (`postgres --single`) that replays,
each time from the same snapshot of a scenario's template database,

  nothing  one SELECT 1, the cost of starting and stopping the backend;
  floor    bench/run.py's floor SQL: BEGIN, SET LOCAL search_path, the version's
           statements, COMMIT, per schema per version;
  shoal    one SELECT shoal.mig_apply(schema, version, checksum) per step, the
           scripts staged with shoal.stage() beforehand, as the coordinator does.

Per step: (run - nothing) / steps. "migration" is the part of shoal's step spent
in run_statements (the version's own statements, as the floor runs them), so
shoal - migration is the bookkeeping: the schema lock, reading and writing the
stamp, the event row, finding the staged script.

What it leaves out, by design: the client side (psql parsing the floor's files,
the coordinator's CPU: bench/run.py reports shoal's), the protocol (single-user
mode has none), and contention between connections. It is a bound on what the
extension costs the server, not a prediction of wall time.

Needs valgrind (apt-get install valgrind). Writes bench/results/instructions.md.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (bench/run.py: servers, scenarios, the floor's SQL)

RESULTS = os.path.join(bench.ROOT, "bench", "results", "instructions.md")
SCENARIOS = ("2/1n", "3/1n")


def callgrind_total(out_file):
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError(f"no instruction total in {out_file}")


def inclusive_cost(out_file, symbol):
    """Instructions spent in `symbol` and what it called, or None when it did not run."""
    annotated = bench.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file]).stdout
    for line in annotated.splitlines():
        match = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+\S*:" + re.escape(symbol) + r"\(", line)
        if match:
            return int(match.group(1).replace(",", ""))
    return None


class SingleUser:
    """A stopped server's data directory, replayed under callgrind from a snapshot."""

    def __init__(self, fleet, workdir):
        self.data = os.path.join(fleet.root, "node1", "data")
        self.snapshot = os.path.join(workdir, "snapshot")
        self.workdir = workdir
        bench.run([bench.PGSERVER, "stop", "node1"], env=fleet.env)
        shutil.copytree(self.data, self.snapshot, symlinks=True)
        self.postgres = os.path.join(bench.run(["pg_config", "--bindir"]).stdout.strip(), "postgres")

    def instructions(self, database, sql_file, label):
        data = os.path.join(self.workdir, "replay")
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(self.snapshot, data, symlinks=True)
        out = os.path.join(self.workdir, f"callgrind.{label}")
        owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if owner:
            subprocess.run(["chown", "-R", "postgres", self.workdir], check=True)
        with open(sql_file) as stdin:
            proc = subprocess.run(owner + ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                           self.postgres, "--single", "-D", data, "-c", "fsync=off", database],
                                  stdin=stdin, capture_output=True, text=True)
        if proc.returncode != 0 or re.search(r"^(ERROR|FATAL):", proc.stdout + proc.stderr, re.M):
            raise RuntimeError(f"{label}: the single-user backend failed:\n{(proc.stdout + proc.stderr)[-2000:]}")
        return out


def stage_sql(scenario):
    """shoal.stage() for each version, one statement per line as the versions are written."""
    calls = []
    for name, body in scenario.versions:
        statements = [line for line in body.splitlines() if line.strip()]
        array = "ARRAY[" + ",".join(bench.quote_literal(s) for s in statements) + "]"
        locations = "ARRAY[" + ",".join(bench.quote_literal(f"{name}.up.sql:{i + 1}")
                                        for i in range(len(statements))) + "]"
        calls.append(f"SELECT shoal.stage({bench.quote_literal(name)}, 'up', {bench.quote_literal('bench-' + name)},"
                     f" {array}, {locations});")
    return "\n".join(calls)


def measure(scenario, workdir, data_dir):
    fleet = bench.Fleet(1, data_dir)
    try:
        fleet.make_template(scenario)
        port = fleet.ports[0]
        bench.psql(port, "bench_tpl", stage_sql(scenario))
        for db in ("b_nothing", "b_floor", "b_shoal"):
            bench.psql(port, "postgres", f"CREATE DATABASE {db} TEMPLATE bench_tpl")
        schemas = fleet.shards(scenario.schemas)[0]
        files = {
            "nothing": "SELECT 1;\n",
            # Single-user mode ends a query at each newline: one statement a line.
            "floor": "".join("".join(bench.schema_script(s, scenario, stamp=False)) for s in schemas),
            "shoal": "".join(f"SELECT shoal.mig_apply({bench.quote_literal(s)}, {bench.quote_literal(name)}, "
                             f"{bench.quote_literal('bench-' + name)});\n"
                             for s in schemas for name, _ in scenario.versions),
        }
        for label, text in files.items():
            with open(os.path.join(workdir, f"{label}.sql"), "w") as f:
                f.write(text)
        replay = SingleUser(fleet, workdir)
        outs = {label: replay.instructions(f"b_{label}", os.path.join(workdir, f"{label}.sql"), label)
                for label in files}
    finally:
        fleet.close()
    steps = len(schemas) * len(scenario.versions)
    base = callgrind_total(outs["nothing"])
    floor = (callgrind_total(outs["floor"]) - base) / steps
    shoal = (callgrind_total(outs["shoal"]) - base) / steps
    migration = inclusive_cost(outs["shoal"], "shoal::run_statements")
    return steps, floor, shoal, None if migration is None else migration / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=int, default=200, help="schemas per scenario (default 200)")
    parser.add_argument("--only", help=f"comma-separated scenario keys (default {','.join(SCENARIOS)})")
    parser.add_argument("--data-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else "/tmp")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep each scenario's callgrind outputs under DIR (for callgrind_annotate)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        sys.exit("bench/instructions.py needs valgrind: apt-get install valgrind")
    if not os.path.exists(bench.SHOAL):
        sys.exit(f"{bench.SHOAL} is missing: run make first")
    wanted = args.only.split(",") if args.only else list(SCENARIOS)
    rows = []
    for scenario in bench.scenarios(quick=False):
        if scenario.key not in wanted:
            continue
        scenario = bench.dataclasses.replace(scenario, schemas=args.schemas,
                                             title=re.sub(r"^[\d ]+ schemas", f"{args.schemas} schemas", scenario.title))
        print(f"== {scenario.key} {scenario.title}", flush=True)
        workdir = tempfile.mkdtemp(prefix="shoal-instructions.", dir=args.data_dir)
        os.chmod(workdir, 0o755)
        try:
            steps, floor, shoal, migration = measure(scenario, workdir, args.data_dir)
            if args.keep:
                kept = os.path.join(args.keep, scenario.key.replace("/", "-"))
                os.makedirs(kept, exist_ok=True)
                for name in os.listdir(workdir):
                    if name.startswith("callgrind."):
                        shutil.copy(os.path.join(workdir, name), kept)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        rows.append((scenario, steps, floor, shoal, migration))
        print(f"   floor {floor / 1e6:.3f} M/step, shoal {shoal / 1e6:.3f} M/step, shoal/floor {shoal / floor:.3f}",
              flush=True)
    lines = [
        "# Server instructions per step (bench/instructions.py)",
        "",
        "valgrind's instruction count of a single-user backend, from one snapshot per scenario: deterministic, "
        "unlike wall time on a shared VM. Millions of instructions per step (one schema, one version). "
        "migration = shoal's step inside run_statements; bookkeeping = shoal - migration.",
        "",
        "| scenario | steps | floor | shoal | shoal/floor | migration | bookkeeping | bookkeeping/floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scenario, steps, floor, shoal, migration in rows:
        book = "-" if migration is None else f"{(shoal - migration) / 1e6:.3f}"
        share = "-" if migration is None else f"{(shoal - migration) / floor:.3f}"
        mig = "-" if migration is None else f"{migration / 1e6:.3f}"
        lines.append(f"| {scenario.key} {scenario.title} | {steps} | {floor / 1e6:.3f} | {shoal / 1e6:.3f} | "
                     f"{shoal / floor:.3f} | {mig} | {book} | {share} |")
    with open(RESULTS, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[4:]))
    print(f"written to {os.path.relpath(RESULTS, bench.ROOT)}")


if __name__ == "__main__":
    main()
