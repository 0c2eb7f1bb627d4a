#!/usr/bin/env python3
"""shoal's benchmark: shoal against the physical limit, side by side, in one run.

For each scenario it starts its own PostgreSQL servers (test/lib/pgserver.sh),
builds a template database with the scenario's microshards, and runs, in
alternation and from a fresh copy of the template each time:

  shoal    `build/shoal apply` of the scenario's migration directory (each
           node's schemas commit synchronously where the WAL flush shoal times
           at the start is cheap, else asynchronously with one flushing commit
           per node before the run reports; the run's `commits:` line says which);
  shoal-async  the same with --asynchronous-commit: no commit waits for its WAL
           flush, one flushing commit per node does (the other choice, side by
           side);
  floor    the same SQL as plain psql scripts, one transaction per schema per
           version, the schemas split over P concurrent psql processes per node,
           P in {1, 2, 4, 8}; the P with the lowest median over the
           repetitions is "the floor" (the fastest of four runs in each
           repetition would favour it by the run-to-run noise alone);
  driver   what a naive tool does: one psql process per schema per version,
           8 at a time per node, writing a pg-mig version stamp in the same
           transaction (the stand-in for subprocess-based tools). It is 10-20x
           slower than the others, so it runs in the first repetition only.

It prints min/median/max wall seconds of each, the median ratios shoal/floor and
driver/shoal, shoal's peak RSS and CPU seconds (/usr/bin/time -v) and that CPU
per step it ran (the coordinator's cost of a step, whole run included), PASS/MISS
against the targets, and writes bench/results/latest.md (the previous one is kept
as bench/results/previous.md). --sweep 1,2,4,8,16 instead runs shoal alone at
each --parallelism and writes bench/results/parallelism.md: how the default
parallelism was chosen. Misses are work, not failures: exit code is 0
whenever every contender ran correctly.

The servers' data directories are in memory (/dev/shm) unless --data-dir says
otherwise. On this project's 2-core VM the virtual disk made identical runs vary
2-3x: every contender creates thousands of relation files, and ext4's inode
allocation (perf: recently_deleted() scanning past inodes freed by the previous
reset) and the kernel's writeback 30 s later land on whichever run comes next. In
memory the same runs agree within 5-15 %. fsync stays on but costs what it
costs on tmpfs, so there shoal commits synchronously, as the floor does: the comparison
is shoal's work against psql's on the same CPUs. `--data-dir /tmp` measures the disk.

Servers run PostgreSQL's defaults except: fsync, synchronous_commit and
full_page_writes on (durable, as production), max_connections=200,
shared_buffers=128MB, max_locks_per_transaction=256.
"""

import argparse
import dataclasses
import concurrent.futures
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PGSERVER = os.path.join(ROOT, "test", "lib", "pgserver.sh")
SHOAL = os.environ.get("SHOAL", os.path.join(ROOT, "build", "shoal"))
DURABLE_CONF = "fsync = on\nsynchronous_commit = on\nfull_page_writes = on"
FLOOR_PARALLELISM = (1, 2, 4, 8)
DRIVER_PARALLELISM = 8


@dataclass
class Scenario:
    key: str
    title: str
    nodes: int
    schemas: int
    versions: list  # list of (name, up_sql) applied to prefix "sh"
    rows: int = 0  # rows per shard table created in the template
    solo: bool = False  # statements run outside a transaction (CONCURRENTLY)
    driver: bool = False  # also run the psql-per-schema driver
    at_head: bool = False  # "nothing to do": measure a second, empty apply


def small_version(i):
    return (
        f"20250101{i:06d}.v{i}.sh",
        f"CREATE TABLE IF NOT EXISTS t{i} (id bigint PRIMARY KEY, note text);\n",
    )


BIG_VERSION = (
    "20250101000000.users.sh",
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz);\n"
    "CREATE INDEX users_email_idx ON users (email);\n"
    "ALTER TABLE users ADD COLUMN name text;\n",
)

CONCURRENT_VERSION = (
    "20250102000000.items-idx.sh",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_note_idx ON items (note);\n",
)


def scenarios(quick):
    out = []
    for nodes in (1, 3):
        out.append(Scenario(f"1/{nodes}n", "1 000 schemas x 1 version", nodes, 1000, [BIG_VERSION], driver=True))
        if quick:
            continue
        out.append(Scenario(f"2/{nodes}n", "1 000 schemas x 10 small versions", nodes, 1000,
                            [small_version(i) for i in range(1, 11)], driver=True))
        out.append(Scenario(f"3/{nodes}n", "10 000 schemas x 1 version", nodes, 10000, [BIG_VERSION]))
        out.append(Scenario(f"4/{nodes}n", "nothing to do, 10 000 schemas at head", nodes, 10000,
                            [BIG_VERSION], at_head=True))
        out.append(Scenario(f"5/{nodes}n", "CONCURRENTLY on 10 000-row tables, 200 schemas", nodes, 200,
                            [CONCURRENT_VERSION], rows=10000, solo=True))
    return out


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def psql(port, db, sql):
    return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port),
                "-U", "postgres", "-d", db, "-c", sql]).stdout


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


class Fleet:
    """The scenario's servers, each with a template database `bench_tpl`."""

    def __init__(self, nodes, data_dir):
        self.root = tempfile.mkdtemp(prefix="shoal-bench.", dir=data_dir)
        os.chmod(self.root, 0o755)
        env = dict(os.environ, PGSERVER_ROOT=self.root, PGSERVER_EXTRA_CONF=DURABLE_CONF)
        self.env = env
        self.ports = [int(run([PGSERVER, "start", f"node{i + 1}"], env=env).stdout.split()[-1])
                      for i in range(nodes)]

    def close(self):
        subprocess.run([PGSERVER, "cleanup"], env=self.env, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def shards(self, schemas):
        """Schema names per node: round-robin, as a fleet spreads its shards."""
        names = [f"sh{i:04d}" for i in range(schemas)]
        return [names[n::len(self.ports)] for n in range(len(self.ports))]

    def make_template(self, scenario):
        for port, names in zip(self.ports, self.shards(scenario.schemas)):
            psql(port, "postgres", "DROP DATABASE IF EXISTS bench")
            psql(port, "postgres", "DROP DATABASE IF EXISTS bench_tpl")
            psql(port, "postgres", "CREATE DATABASE bench_tpl")
            stmts = ["CREATE EXTENSION shoal;"]
            for name in names:
                stmts.append(f"CREATE SCHEMA {quote_ident(name)};")
                if scenario.rows:
                    stmts.append(f"CREATE TABLE {quote_ident(name)}.items AS SELECT g AS id, md5(g::text) AS note "
                                 f"FROM generate_series(1, {scenario.rows}) g;")
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                 "-d", "bench_tpl"], input="\n".join(stmts))
            psql(port, "bench_tpl", "VACUUM ANALYZE")

    def reset(self):
        for port in self.ports:
            psql(port, "postgres", "DROP DATABASE IF EXISTS bench")
            psql(port, "postgres", "CREATE DATABASE bench TEMPLATE bench_tpl")
            # Every contender starts right after a checkpoint: the same full-page
            # writes for each, and no checkpoint left over from the previous one.
            psql(port, "postgres", "CHECKPOINT")

    def hosts(self):
        return ",".join(f"127.0.0.1:{port}/bench" for port in self.ports)


def write_migdir(scenario, directory):
    for name, body in scenario.versions:
        with open(os.path.join(directory, name + ".up.sql"), "w") as f:
            f.write(body)
        with open(os.path.join(directory, name + ".dn.sql"), "w") as f:
            f.write("-- no undo in the benchmark\n")


def schema_script(schema, scenario, stamp):
    """The SQL a hand-written script runs for one schema: every version, each in
    its own transaction; with `stamp`, the pg-mig stamp is written in it too."""
    parts, applied = [], []
    for name, body in scenario.versions:
        applied.append(name)
        if scenario.solo:
            parts.append(f"SET search_path TO {quote_ident(schema)};\n{body}")
            continue
        stamp_sql = ""
        if stamp:
            versions = "[" + ",".join(f'"{v}"' for v in applied) + "]"
            stamp_sql = (f"CREATE OR REPLACE FUNCTION {quote_ident(schema)}.mig_versions_const() RETURNS text "
                         f"LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT {quote_literal(versions)}; $$;\n")
        parts.append(f"BEGIN;\nSET LOCAL search_path TO {quote_ident(schema)};\n{body}{stamp_sql}COMMIT;\n")
    return parts


def psql_file_cmd(port, path):
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
            "-d", "bench", "-f", path]


def run_floor(fleet, scenario, parallelism, workdir, stamp=False):
    """P psql processes per node, each running its share of the schemas. `stamp`
    (bench/wall_parts.py's "floor+stamp", never the floor) also writes pg-mig's stamp."""
    procs = []
    for n, (port, names) in enumerate(zip(fleet.ports, fleet.shards(scenario.schemas))):
        for p in range(parallelism):
            path = os.path.join(workdir, f"floor-{n}-{p}.sql")
            with open(path, "w") as f:
                for schema in names[p::parallelism]:
                    f.write("".join(schema_script(schema, scenario, stamp=stamp)))
            procs.append(psql_file_cmd(port, path))
    start = time.monotonic()
    running = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for cmd in procs]
    for proc in running:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"floor psql failed: {err.decode()[:500]}")
    return time.monotonic() - start


def run_driver(fleet, scenario, workdir):
    """One psql process per schema per version, DRIVER_PARALLELISM at a time per node."""
    jobs = []
    for n, (port, names) in enumerate(zip(fleet.ports, fleet.shards(scenario.schemas))):
        node_jobs = []
        for schema in names:
            chain = []
            for i, sql in enumerate(schema_script(schema, scenario, stamp=True)):
                path = os.path.join(workdir, f"drv-{n}-{schema}-{i}.sql")
                with open(path, "w") as f:
                    f.write(sql)
                chain.append(psql_file_cmd(port, path))
            node_jobs.append(chain)
        jobs.append(node_jobs)

    def run_chain(chain):
        for cmd in chain:
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    # At most DRIVER_PARALLELISM chains at once per node: one pool per node.
    pools = [concurrent.futures.ThreadPoolExecutor(DRIVER_PARALLELISM) for _ in jobs]
    start = time.monotonic()
    futures = [pools[n].submit(run_chain, chain) for n, node_jobs in enumerate(jobs) for chain in node_jobs]
    for fut in futures:
        fut.result()
    elapsed = time.monotonic() - start
    for pool in pools:
        pool.shutdown()
    return elapsed


@dataclass
class ShoalRun:
    wall: float
    rss_kib: int
    cpu: float
    commits: str  # the run's "commits: ..." line: how each node committed ("" when an option chose)


def run_shoal(fleet, migdir, *options):
    cmd = ["/usr/bin/time", "-v", SHOAL, "apply", "--migdir", migdir, "--hosts", fleet.hosts(), "--user", "postgres",
           *options]
    start = time.monotonic()
    proc = subprocess.run(cmd, text=True, capture_output=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"shoal apply failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr).group(1))
    commits = re.search(r"^commits: .*$", proc.stdout, re.MULTILINE)
    return ShoalRun(wall, rss, user + system, commits.group(0) if commits else "")


def steps_of(scenario):
    """The steps shoal's measured run applies: every schema (over all nodes) gets every version."""
    return 0 if scenario.at_head else scenario.schemas * len(scenario.versions)


def check_applied(fleet, scenario):
    """Every contender must have done the work: each shard has the last version's table."""
    table = "items" if scenario.solo else re.search(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)",
                                                    scenario.versions[-1][1]).group(1)
    for port, names in zip(fleet.ports, fleet.shards(scenario.schemas)):
        sql = ("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               f"WHERE c.relname = {quote_literal(table)} AND n.nspname LIKE 'sh%'")
        if scenario.solo:
            sql = ("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE c.relname = 'items_note_idx' AND i.indisvalid")
        found = int(psql(port, "bench", sql).strip())
        if found != len(names):
            raise RuntimeError(f"port {port}: {found} of {len(names)} schemas migrated")


@dataclass
class Result:
    scenario: Scenario
    shoal: list = field(default_factory=list)
    shoal_async: list = field(default_factory=list)
    floor_by_p: dict = field(default_factory=dict)  # P -> seconds, one per repetition
    driver: list = field(default_factory=list)
    rss_kib: int = 0
    cpu: list = field(default_factory=list)

    @property
    def floor_p(self):
        """The floor's P: its lowest median."""
        if not self.floor_by_p:
            return None
        return min(self.floor_by_p, key=lambda p: statistics.median(self.floor_by_p[p]))

    @property
    def floor(self):
        return self.floor_by_p[self.floor_p] if self.floor_by_p else []


def bench_scenario(scenario, reps, data_dir, log):
    result = Result(scenario)
    fleet = Fleet(scenario.nodes, data_dir)
    try:
        log(f"== {scenario.key}: {scenario.title} ({scenario.nodes} node(s)); building template")
        fleet.make_template(scenario)
        with tempfile.TemporaryDirectory(prefix="shoal-bench-mig.") as migdir, \
                tempfile.TemporaryDirectory(prefix="shoal-bench-sql.") as workdir:
            write_migdir(scenario, migdir)
            def shoal(rep, *options):
                fleet.reset()
                if scenario.at_head:
                    run_shoal(fleet, migdir)  # bring it to head; the measured run has nothing to do
                sh = run_shoal(fleet, migdir, *options)
                check_applied(fleet, scenario)
                if options:
                    result.shoal_async.append(sh.wall)
                    log(f"   rep {rep + 1}: shoal-async {sh.wall:.2f}s")
                    return
                result.shoal.append(sh.wall)
                result.cpu.append(sh.cpu)
                result.rss_kib = max(result.rss_kib, sh.rss_kib)
                log(f"   rep {rep + 1}: shoal {sh.wall:.2f}s (cpu {sh.cpu:.2f}s, rss {sh.rss_kib // 1024} MiB; {sh.commits})")

            def floor(rep):
                for p in FLOOR_PARALLELISM:
                    fleet.reset()
                    result.floor_by_p.setdefault(p, []).append(run_floor(fleet, scenario, p, workdir))
                    check_applied(fleet, scenario)
                times = ", ".join(f"P={p} {result.floor_by_p[p][-1]:.2f}s" for p in FLOOR_PARALLELISM)
                log(f"   rep {rep + 1}: floor {times}")

            def driver(rep):
                if scenario.driver and rep == 0:
                    fleet.reset()
                    t = run_driver(fleet, scenario, workdir)
                    check_applied(fleet, scenario)
                    result.driver.append(t)
                    log(f"   rep {rep + 1}: driver {t:.2f}s")

            contenders = [shoal] if scenario.at_head else \
                [shoal, lambda rep: shoal(rep, "--asynchronous-commit"), floor, driver]
            for rep in range(reps):
                # Each repetition starts with the next contender, so none always
                # runs first after the template was built.
                k = rep % len(contenders)
                for contender in contenders[k:] + contenders[:k]:
                    contender(rep)
    finally:
        fleet.close()
    return result


def sweep_scenario(scenario, parallelisms, reps, data_dir, log):
    """shoal alone at each --parallelism (alternating within a repetition); {P: [seconds]}."""
    times = {p: [] for p in parallelisms}
    fleet = Fleet(scenario.nodes, data_dir)
    try:
        log(f"== sweep {scenario.key}: {scenario.title} ({scenario.nodes} node(s)); building template")
        fleet.make_template(scenario)
        with tempfile.TemporaryDirectory(prefix="shoal-bench-mig.") as migdir:
            write_migdir(scenario, migdir)
            for rep in range(reps):
                for p in parallelisms:
                    fleet.reset()
                    times[p].append(run_shoal(fleet, migdir, "--parallelism", str(p)).wall)
                    check_applied(fleet, scenario)
                    log(f"   rep {rep + 1}: --parallelism {p}: {times[p][-1]:.2f}s")
    finally:
        fleet.close()
    return scenario, times


def sweep_report(sweeps, reps, data_dir):
    parallelisms = list(sweeps[0][1]) if sweeps else []
    lines = [
        "# shoal apply by --parallelism (connections per node)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {reps} repetitions, "
        f"durable servers as in latest.md, data in {data_dir}. Median seconds; the fastest of each row in bold.",
        "",
        "| scenario | " + " | ".join(f"P={p}" for p in parallelisms) + " |",
        "|---|" + "---|" * len(parallelisms),
    ]
    for scenario, times in sweeps:
        medians = {p: statistics.median(t) for p, t in times.items()}
        best = min(medians, key=medians.get)
        cells = [f"**{medians[p]:.2f}**" if p == best else f"{medians[p]:.2f}" for p in parallelisms]
        lines.append(f"| {scenario.key} {scenario.title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def stats(values):
    if not values:
        return "-"
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def verdict(ok):
    return "PASS" if ok else "MISS"


def report(results, reps, data_dir):
    lines = [
        "# shoal benchmark",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {reps} repetitions, "
        f"PostgreSQL defaults with fsync/synchronous_commit on, data in {data_dir}. "
        "Seconds as min / median / max.",
        "shoal commits synchronously on a node whose WAL flush it timed at 100 µs or less, else asynchronously,",
        "making the run durable with one flushing commit per node; shoal-async (--asynchronous-commit) always does the latter.",
        "",
        "| scenario | shoal | shoal-async | floor (best P) | driver | shoal/floor | shoal-async/floor | driver/shoal "
        "| shoal CPU s | shoal CPU µs/step | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_key = {r.scenario.key: r for r in results}
    targets = []
    for r in results:
        med_shoal = statistics.median(r.shoal)
        ratio_floor = statistics.median(r.shoal) / statistics.median(r.floor) if r.floor else None
        ratio_async = statistics.median(r.shoal_async) / statistics.median(r.floor) if r.floor else None
        ratio_driver = statistics.median(r.driver) / med_shoal if r.driver else None
        p = f" (P={r.floor_p})" if r.floor_p else ""
        steps = steps_of(r.scenario)
        cpu_per_step = f"{statistics.median(r.cpu) / steps * 1e6:.0f}" if steps else "-"
        lines.append(
            f"| {r.scenario.key} {r.scenario.title} | {stats(r.shoal)} | {stats(r.shoal_async)} | "
            f"{stats(r.floor)}{p} | {stats(r.driver)} | "
            f"{'-' if ratio_floor is None else f'{ratio_floor:.2f}'} | "
            f"{'-' if ratio_async is None else f'{ratio_async:.2f}'} | "
            f"{'-' if ratio_driver is None else f'{ratio_driver:.1f}'} | "
            f"{statistics.median(r.cpu):.2f} | {cpu_per_step} | {r.rss_kib / 1024:.1f} |")
        num = r.scenario.key.split("/")[0]
        if num in ("1", "2", "3") and ratio_floor is not None:
            targets.append((f"shoal/floor <= 1.2 on {r.scenario.key}", f"{ratio_floor:.2f}", ratio_floor <= 1.2))
        if num == "2" and ratio_driver is not None:
            targets.append((f"driver/shoal >= 5 on {r.scenario.key}", f"{ratio_driver:.1f}", ratio_driver >= 5))
        if num == "4":
            big = by_key.get(r.scenario.key.replace("4/", "3/"))
            if big:
                share = med_shoal / statistics.median(big.shoal)
                targets.append((f"planning 10 000 at head <= 10% of scenario 3 on {r.scenario.key}",
                                f"{share * 100:.1f}%", share <= 0.10))
        if num == "3":
            targets.append((f"peak RSS <= 64 MiB at 10 000 schemas on {r.scenario.key}",
                            f"{r.rss_kib / 1024:.1f} MiB", r.rss_kib <= 64 * 1024))
            small = by_key.get(r.scenario.key.replace("3/", "1/"))
            if small:
                per_small = statistics.median(small.shoal) / (small.scenario.schemas * len(small.scenario.versions))
                per_big = med_shoal / (r.scenario.schemas * len(r.scenario.versions))
                drift = abs(per_big - per_small) / per_small
                targets.append((f"per schema-version cost 1 000 vs 10 000 within 25% on {r.scenario.key}",
                                f"{per_small * 1000:.2f} ms vs {per_big * 1000:.2f} ms", drift <= 0.25))
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {verdict(ok)} |" for name, value, ok in targets]
    return "\n".join(lines) + "\n"


def main():
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops its servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scenario 1 only, 1 repetition")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per scenario (default 3)")
    parser.add_argument("--only", help="comma-separated scenario keys to run, e.g. 1/1n,2/3n")
    parser.add_argument("--data-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",
                        help="where the servers' data directories go (default /dev/shm: in memory, see above)")
    parser.add_argument("--no-driver", action="store_true",
                        help="skip the psql-per-schema driver (minutes at 10 000 steps); no driver/shoal ratio")
    parser.add_argument("--sweep", help="only shoal, at each of these --parallelism values, e.g. 1,2,4,8,16")
    args = parser.parse_args()
    reps = 1 if args.quick else args.reps
    chosen = scenarios(args.quick)
    if args.no_driver:
        chosen = [dataclasses.replace(s, driver=False) for s in chosen]
    if args.only:
        keys = set(args.only.split(","))
        chosen = [s for s in chosen if s.key in keys]
    if not os.access(SHOAL, os.X_OK):
        sys.exit(f"bench: {SHOAL} not found; run `make` first")

    def log(msg):
        print(msg, flush=True)

    out_dir = os.path.join(ROOT, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    if args.sweep:
        text = sweep_report([sweep_scenario(s, [int(p) for p in args.sweep.split(",")], reps, args.data_dir, log)
                             for s in chosen if not s.at_head], reps, args.data_dir)
        print()
        print(text)
        with open(os.path.join(out_dir, "parallelism.md"), "w") as f:
            f.write(text)
        return
    results = [bench_scenario(s, reps, args.data_dir, log) for s in chosen]
    text = report(results, reps, args.data_dir)
    print()
    print(text)
    latest = os.path.join(out_dir, "latest.md")
    if os.path.exists(latest) and not args.quick:
        shutil.copy(latest, os.path.join(out_dir, "previous.md"))
    if not args.quick:
        with open(latest, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
