#!/usr/bin/env python3
"""Where shoal's wall time above the floor goes: CPU by process, WAL, commits.

bench/run.py gives wall ratios; bench/instructions.py counts one single-user
backend's instructions. Neither says what the rest of a run costs: the
coordinator, the server's background processes (the WAL writer woken by
asynchronous commits), autovacuum, WAL volume, commits. This runs a scenario's
contenders one node at a time, each from a fresh copy of the template (as
bench/run.py does), and reads around each run

  client     CPU of the client processes (shoal, or the floor's psqls): getrusage
             of this script's children;
  backends   CPU of the server processes that ended during the run (the
             postmaster's reaped children: the run's connections, autovacuum
             workers), from /proc/<postmaster>/stat;
  walwriter, checkpointer, bgwriter, other: the long-lived server processes;
  WAL        pg_stat_wal's records, full-page images, bytes, writes and syncs;
  commits    pg_stat_database.xact_commit.

Contenders: shoal as bench/run.py runs it (default parallelism), shoal at
--parallelism 2 and with --asynchronous-commit, the floor at P=2 (its usual best
P) and at P=4 (shoal's default parallelism on 2 cores), and, for comparison
only, "floor+stamp": the floor also writing pg-mig's stamp (CREATE OR REPLACE
FUNCTION mig_versions_const(), as pg-mig and bench/run.py's driver do). Each is
run --reps times in alternation; medians are printed. Results and what they
mean: bench/results/issue16.md, 2026-12-02.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
BACKGROUND = ("walwriter", "checkpointer", "background writer")


def proc_cpu(pid):
    """(own, reaped children's) CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read().replace("\0", " ")
    except FileNotFoundError:
        return ""


class Server:
    def __init__(self, fleet):
        with open(os.path.join(fleet.root, "node1", "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())
        self.port = fleet.ports[0]

    def quiet(self):
        """Waits until only the long-lived processes are left (no backend, no autovacuum worker)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = [p for p in children(self.postmaster)
                    if not any(k in cmdline(p) for k in BACKGROUND + ("launcher",))]
            if not busy:
                return
            time.sleep(0.05)
        raise RuntimeError("the server did not become quiet in 120 s")

    def snapshot(self):
        self.quiet()
        cpu = {"backends": proc_cpu(self.postmaster)[1], "other": proc_cpu(self.postmaster)[0]}
        for pid in children(self.postmaster):
            kind = next((k for k in BACKGROUND if k in cmdline(pid)), "other")
            cpu[kind] = cpu.get(kind, 0.0) + proc_cpu(pid)[0]
        wal = bench.psql(self.port, "postgres",
                         "SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync FROM pg_stat_wal").split("|")
        commits = bench.psql(self.port, "postgres",
                             "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'").strip()
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        return dict(cpu, client=child.ru_utime + child.ru_stime, wal_records=int(wal[0]), wal_fpi=int(wal[1]),
                    wal_bytes=int(float(wal[2])), wal_write=int(wal[3]), wal_sync=int(wal[4]),
                    commits=int(commits or 0), t=time.monotonic())


def measure(scenario, reps, data_dir):
    fleet = bench.Fleet(1, data_dir)
    rows = {}
    try:
        print(f"== {scenario.key}: building template", flush=True)
        fleet.make_template(scenario)
        server = Server(fleet)
        with tempfile.TemporaryDirectory(prefix="shoal-parts-mig.") as migdir, \
                tempfile.TemporaryDirectory(prefix="shoal-parts-sql.") as workdir:
            bench.write_migdir(scenario, migdir)
            contenders = {
                "shoal": lambda: bench.run_shoal(fleet, migdir),
                "shoal P=2": lambda: bench.run_shoal(fleet, migdir, "--parallelism", "2"),
                "shoal-async": lambda: bench.run_shoal(fleet, migdir, "--asynchronous-commit"),
                "floor P=2": lambda: bench.run_floor(fleet, scenario, 2, workdir),
                "floor P=4": lambda: bench.run_floor(fleet, scenario, 4, workdir),
                "floor+stamp P=2": lambda: bench.run_floor(fleet, scenario, 2, workdir, stamp=True),
            }
            for rep in range(reps):
                for name, contender in contenders.items():
                    fleet.reset()
                    before = server.snapshot()
                    contender()
                    wall = time.monotonic() - before["t"]
                    after = server.snapshot()
                    bench.check_applied(fleet, scenario)
                    row = {k: after[k] - before.get(k, 0.0) for k in after if k != "t"}
                    row["wall"] = wall
                    rows.setdefault(name, []).append(row)
                    print(f"   rep {rep + 1} {name}: wall {wall:.2f}s client {row['client']:.2f}s "
                          f"backends {row['backends']:.2f}s walwriter {row.get('walwriter', 0):.2f}s "
                          f"WAL {row['wal_bytes'] / 1e6:.1f} MB commits {row['commits']}", flush=True)
    finally:
        fleet.close()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="2/1n,3/1n")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--data-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else "/tmp")
    args = parser.parse_args()
    keys = args.only.split(",")
    columns = ["wall", "client", "backends", "walwriter", "checkpointer", "background writer", "other"]
    lines = ["| scenario | contender | wall s | client CPU s | backends CPU s | walwriter CPU s | checkpointer | "
             "bgwriter | postmaster+other | total CPU s | WAL MB | FPI | WAL writes | WAL syncs | commits |",
             "|---|---|" + "---|" * 13]
    for scenario in bench.scenarios(quick=False):
        if scenario.key not in keys:
            continue
        for name, rows in measure(scenario, args.reps, args.data_dir).items():
            med = {k: statistics.median(r.get(k, 0.0) for r in rows) for k in rows[0]}
            med.update({k: statistics.median(r.get(k, 0.0) for r in rows) for k in columns})
            total = sum(med[k] for k in columns[1:])
            lines.append(f"| {scenario.key} | {name} | " + " | ".join(f"{med[k]:.2f}" for k in columns) +
                         f" | {total:.2f} | {med['wal_bytes'] / 1e6:.1f} | {med['wal_fpi']:.0f} | "
                         f"{med['wal_write']:.0f} | {med['wal_sync']:.0f} | {med['commits']:.0f} |")
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
