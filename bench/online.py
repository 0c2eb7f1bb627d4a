#!/usr/bin/env python3
"""shoal's online-change benchmark: a column's type changed with the application running.

Starts its own 3 PostgreSQL servers (bench/run.py's Fleet: durable, data in
/dev/shm unless --data-dir), fills --shards shards (round-robin over the nodes)
with a table of --rows rows each,

    acct (id int PRIMARY KEY, customer_id int NOT NULL, balance bigint NOT NULL)

and runs each scenario on a fresh copy of that data, with the application
stand-in of the tests (test/lib/app_load.sh: pgbench on every node, each
transaction one SELECT or one UPDATE of a random row of a random shard, at
--rate transactions a second per node; its sampler records the longest lock
wait of any application query and the longest ACCESS EXCLUSIVE lock a shoal
session held, every 10 ms) running the whole time:

  A  online: `customer_id` int -> bigint as an online version: `shoal apply`
     (expand, backfill), --window seconds with the triggers in place (the
     deploy), `shoal complete`;
  B  plain: the same change as an `ALTER TABLE ... TYPE` version through
     `shoal apply`;
  C  a plain `ADD COLUMN` through `shoal apply` while one shard in a hundred
     has a transaction that read its table and holds it for 10 s: the
     application's worst wait stays at the lock_timeout (1 s) and every shard
     ends applied through retries (counted from --log-json's step_retried);
  D  A's `shoal apply` SIGKILLed at half of the backfill (polled in the
     shards' shoal.online), then run again: the rows rewritten, counted per
     shard by a trigger on a sequence (a rollback does not take nextval
     back), against the rows there were;
  E  from A: backfill rows per second per node (shoal.event's expand and
     backfilled times and row counts), and what the sync trigger costs a write:
     the application's writes in the --window before the expand (no trigger)
     against the --window after the backfill (trigger), and the trigger's own
     time per row in EXPLAIN ANALYZE of a 1 000-row UPDATE on one shard.

Each scenario starts with a --window of application load alone (the
baseline). Latencies are the application's, per query, from pgbench's
per-transaction log, over the queries that started in a window; errors are
failed transactions and aborted clients over the whole scenario. Writes
bench/results/online.md (--out), with the machine's load before and after.

    python3 bench/online.py                      # 1 000 × 10 000, about 20 minutes
    python3 bench/online.py --shards 30 --rows 100000 --only A,B --out /tmp/big-rows.md
    python3 bench/online.py --shards 12 --rows 1000 --window 1   # a smoke check, about 2 minutes

It needs the extension installed into the PostgreSQL whose pg_config is first
on PATH (`make install`), psql and pgbench on PATH, and build/shoal (or
SHOAL=). Not part of `make bench`: at the default scale it runs for about 20
minutes on the project's 2-core machine (the report says how long each
scenario took).
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  the servers and helpers of the main bench

ROOT = bench.ROOT
SHOAL = bench.SHOAL
APP_LOAD = os.path.join(ROOT, "test", "lib", "app_load.sh")
VERSION = "20250101000001.customer-bigint.sh"
ONLINE_UP = """-- shoal $online=column_type
-- shoal $online_table=acct
-- shoal $online_column=customer_id
-- shoal $online_type=bigint
-- shoal $online_up=customer_id::bigint
-- shoal $online_down=customer_id::integer
"""
PLAIN_UP = "ALTER TABLE acct ALTER COLUMN customer_id TYPE bigint;\n"
ADD_COLUMN_UP = "ALTER TABLE acct ADD COLUMN note text;\n"
HOLD_SECONDS = 10
LOCK_TIMEOUT_MS = 1000  # shoal's default lock policy (README, "Lock policy")


def log(msg):
    print(msg, flush=True)


def sql_all(fleet, db, sql):
    """One query on every node; the stripped output per node."""
    return [bench.psql(port, db, sql).strip() for port in fleet.ports]


def sum_all(fleet, db, sql):
    return sum(int(v or 0) for v in sql_all(fleet, db, sql))


def make_template(fleet, shards, rows):
    """bench_tpl on every node, filled by one psql per node at once."""
    procs = []
    for port, names in zip(fleet.ports, fleet.shards(shards)):
        bench.psql(port, "postgres", "DROP DATABASE IF EXISTS bench")
        bench.psql(port, "postgres", "DROP DATABASE IF EXISTS bench_tpl")
        bench.psql(port, "postgres", "CREATE DATABASE bench_tpl")
        stmts = ["CREATE EXTENSION shoal;"]
        for name in names:
            shard = bench.quote_ident(name)
            stmts.append(f"CREATE SCHEMA {shard};\n"
                         f"CREATE TABLE {shard}.acct (id int PRIMARY KEY, customer_id int NOT NULL, "
                         "balance bigint NOT NULL DEFAULT 0);\n"
                         f"INSERT INTO {shard}.acct SELECT g, 1 + g % 997, 0 FROM generate_series(1, {rows}) g;")
        stmts.append("VACUUM (FREEZE, ANALYZE);")
        proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port),
                                 "-U", "postgres", "-d", "bench_tpl"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        proc.stdin.write("\n".join(stmts))
        proc.stdin.close()
        procs.append(proc)
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError(f"filling the template failed: {proc.stderr.read()[:500]}")


def fresh_copy(fleet):
    """Database bench, a file copy of bench_tpl (faster than through the WAL), after a checkpoint."""
    for port in fleet.ports:
        bench.psql(port, "postgres", "DROP DATABASE IF EXISTS bench")
        bench.psql(port, "postgres", "CREATE DATABASE bench TEMPLATE bench_tpl STRATEGY FILE_COPY")
        bench.psql(port, "postgres", "CHECKPOINT")


def write_migdir(directory, up):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, VERSION + ".up.sql"), "w") as f:
        f.write(up)
    with open(os.path.join(directory, VERSION + ".dn.sql"), "w") as f:
        f.write("ALTER TABLE acct ALTER COLUMN customer_id TYPE integer;\n")


class App:
    """test/lib/app_load.sh on every node: started by one bash per node that
    sources it, stopped by a line on that bash's stdin."""

    def __init__(self, fleet, workdir, args):
        self.dir = tempfile.mkdtemp(prefix="app.", dir=workdir)
        env = dict(os.environ, APP_LOAD_DIR=self.dir, APP_ROWS=str(args.rows))
        self.procs = []
        for n, port in enumerate(fleet.ports):
            name = f"node{n + 1}"
            script = (f'source "{APP_LOAD}"; app_load_start {name} {port} bench {args.clients} {args.rate} || exit 1; '
                      f'echo started; read -r _; app_load_stop {name}')
            self.procs.append(subprocess.Popen(["bash", "-c", script], env=env, stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, text=True))
        for proc in self.procs:
            if proc.stdout.readline().strip() != "started":
                raise RuntimeError("the application stand-in did not start")

    def stop(self):
        """{node: {transactions, errors, …, max_lock_wait_ms, max_shoal_exclusive_ms}}"""
        out = {}
        for n, proc in enumerate(self.procs):
            text, _ = proc.communicate("\n")
            line = text.strip().splitlines()[-1]
            out[f"node{n + 1}"] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
        return out

    def queries(self):
        """Every query of the run: (start epoch, latency ms, 'read'|'write')."""
        rows = []
        for name in os.listdir(self.dir):
            if not re.fullmatch(r"node\d+\.\d+(\.\d+)?", name):
                continue
            with open(os.path.join(self.dir, name)) as f:
                for line in f:
                    p = line.split()
                    latency_us = int(p[2]) - (int(p[6]) if len(p) > 6 else 0)
                    end = int(p[4]) + int(p[5]) / 1e6
                    rows.append((end - latency_us / 1e6, latency_us / 1000, "write" if p[3] == "1" else "read"))
        return rows


def window_stats(queries, windows, kind=None):
    """Count, p50, p99, max (ms) of the queries that started in any of windows [(from, to)]."""
    lat = sorted(ms for start, ms, k in queries
                 if (kind is None or k == kind) and any(a <= start <= b for a, b in windows))
    if not lat:
        return {"n": 0, "p50": 0.0, "p99": 0.0, "max": 0.0}

    def at(p):
        return lat[max(0, min(len(lat) - 1, int(len(lat) * p) - 1))]
    return {"n": len(lat), "p50": at(0.5), "p99": at(0.99), "max": lat[-1]}


def shoal(fleet, migdir, workdir, name, *args):
    """build/shoal COMMAND … against the bench databases; (seconds, --log-json
    events). Any exit but 0 stops the bench with shoal's output."""
    log_json = os.path.join(workdir, name + ".jsonl")
    cmd = [SHOAL, *args, "--migdir", migdir, "--hosts", fleet.hosts(), "--user", "postgres"]
    if args[0] == "apply":
        cmd += ["--log-json", log_json]
    start = time.time()
    proc = subprocess.run(cmd, text=True, capture_output=True)
    wall = time.time() - start
    expect(proc.returncode == 0, f"{name}: shoal exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-2000:]}")
    return wall, read_events(log_json)


def finish(fleet, app, args, name, column_type=None):
    """Stops the application: its figures per node. Every shard must have the
    version, and customer_id be column_type when given."""
    figures = app.stop()
    expect(applied_count(fleet) == args.shards, f"{name}: not every shard has the version")
    if column_type:
        expect(customer_types(fleet) == {column_type}, f"{name}: customer_id is {customer_types(fleet)}")
    return figures


def read_events(path, partial=False):
    """The --log-json lines; with partial, of a run still writing (its last line may be cut)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().split("\n")
    if partial:
        lines = lines[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def applied_count(fleet):
    return sum_all(fleet, "bench", "SELECT count(*) FROM shoal.stamps() "
                   f"WHERE versions[cardinality(versions)] = {bench.quote_literal(VERSION)}")


def customer_types(fleet):
    return set(v for out in sql_all(fleet, "bench", "SELECT DISTINCT format_type(a.atttypid, a.atttypmod) "
                                    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                                    "WHERE c.relname = 'acct' AND a.attname = 'customer_id'")
               for v in out.splitlines())


def expect(ok, what):
    if not ok:
        raise RuntimeError(what)


@dataclass
class Result:
    """One scenario: the app's figures, shoal's, and the windows' stats."""
    name: str
    app: dict = field(default_factory=dict)  # node → app_load_stop's figures
    windows: dict = field(default_factory=dict)  # label → window_stats
    facts: dict = field(default_factory=dict)  # label → value

    def app_max(self, key):
        return max(v[key] for v in self.app.values())

    def app_sum(self, key):
        return sum(v[key] for v in self.app.values())


def trigger_cost_us(fleet, shard, rows):
    """EXPLAIN ANALYZE of an UPDATE of up to 1 000 rows of one shard (rolled
    back), three times: (median µs per row in all, median µs per row in triggers)."""
    n = min(1000, rows)
    per_row, in_triggers = [], []
    for _ in range(3):
        out = bench.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                         str(fleet.ports[0]), "-U", "postgres", "-d", "bench", "-c", "BEGIN", "-c",
                         f"EXPLAIN (ANALYZE, FORMAT JSON) UPDATE {bench.quote_ident(shard)}.acct "
                         f"SET balance = balance WHERE id <= {n}", "-c", "ROLLBACK"]).stdout
        plan = json.loads(out[out.index("["):out.rindex("]") + 1])[0]
        trigger_ms = sum(t["Time"] for t in plan.get("Triggers", []))
        per_row.append((plan["Execution Time"]) * 1000 / n)
        in_triggers.append(trigger_ms * 1000 / n)
    return statistics.median(per_row), statistics.median(in_triggers)


def begin(fleet, workdir, args, migdir_name, up, setup_sql=None):
    """A scenario's start: its migration directory, a fresh copy of the data
    (then setup_sql on every node), the application, and a --window of the
    application alone; (migdir, app, the baseline window)."""
    migdir = os.path.join(workdir, migdir_name)
    write_migdir(migdir, up)
    fresh_copy(fleet)
    if setup_sql:
        sql_all(fleet, "bench", setup_sql)
    app = App(fleet, workdir, args)
    t0 = time.time()
    time.sleep(args.window)
    return migdir, app, (t0, time.time())


def change_stats(queries, baseline, change):
    """The application's queries in the baseline and in the change windows, and its writes in the change."""
    return {"baseline": window_stats(queries, [baseline]), "change": window_stats(queries, change),
            "change writes": window_stats(queries, change, "write")}


def scenario_online(fleet, workdir, args):
    """A (and E): expand + backfill, the triggers' window, complete."""
    r = Result("A online")
    migdir, app, baseline = begin(fleet, workdir, args, "mig-online", ONLINE_UP)
    r.facts["write cost without trigger (µs/row, all; in triggers)"] = trigger_cost_us(fleet, "sh0000", args.rows)
    t_apply = time.time()
    apply_wall, _ = shoal(fleet, migdir, workdir, "A-apply", "apply")
    t_applied = time.time()
    time.sleep(args.window)  # the deploy: every write goes through the trigger
    t_deployed = time.time()
    r.facts["write cost with trigger (µs/row, all; in triggers)"] = trigger_cost_us(fleet, "sh0000", args.rows)
    t_complete = time.time()
    complete_wall, _ = shoal(fleet, migdir, workdir, "A-complete", "complete", VERSION)
    t_completed = time.time()
    r.app = finish(fleet, app, args, "A", "bigint")
    queries = app.queries()
    change = [(t_apply, t_applied), (t_complete, t_completed)]
    r.windows = {**change_stats(queries, baseline, change),
                 "writes before the expand": window_stats(queries, [baseline], "write"),
                 "writes with the trigger": window_stats(queries, [(t_applied, t_deployed)], "write")}
    r.facts["apply (expand + backfill) s"] = apply_wall
    r.facts["complete s"] = complete_wall
    r.facts["change wall s"] = apply_wall + complete_wall
    # Backfill per node: the rows of its backfilled events, from the last
    # expand of the run (the backfill starts after every chain) to its last.
    last_expand = max(float(v or 0) for v in sql_all(
        fleet, "bench", "SELECT extract(epoch FROM max(finished_at)) FROM shoal.event WHERE action = 'expand'"))
    rates = []
    for port in fleet.ports:
        rows, end = bench.psql(port, "bench", "SELECT sum(split_part(detail, ' ', 1)::bigint), "
                               "extract(epoch FROM max(finished_at)) FROM shoal.event "
                               "WHERE action = 'backfilled'").strip().split("|")
        rates.append(int(rows) / max(float(end) - last_expand, 1e-3))
    # The backfill runs in rounds over every node at once, so the nodes keep pace with the slowest.
    r.facts["backfill rows/s per node"] = rates
    return r


def scenario_plain(fleet, workdir, args):
    """B: the same change as ALTER TABLE … TYPE through shoal apply."""
    r = Result("B plain ALTER TYPE")
    migdir, app, baseline = begin(fleet, workdir, args, "mig-plain", PLAIN_UP)
    t_apply = time.time()
    wall, events = shoal(fleet, migdir, workdir, "B-apply", "apply")
    t_applied = time.time()
    r.app = finish(fleet, app, args, "B", "bigint")
    queries = app.queries()
    r.windows = change_stats(queries, baseline, [(t_apply, t_applied)])
    r.facts["change wall s"] = wall
    r.facts["retries"] = sum(1 for e in events if e["event"] == "step_retried")
    return r


def held(fleet, shards):
    """Whether every shard's table is held by a long_report session."""
    found = sum_all(fleet, "bench", "SELECT count(DISTINCT l.relation) FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'long_report' "
                    "AND l.granted AND l.locktype = 'relation' AND l.relation IN (SELECT c.oid FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'acct')")
    return found >= len(shards)


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def release(fleet, shard):
    """Ends the long_report transaction holding shard's table."""
    port = fleet.ports[int(shard[2:]) % len(fleet.ports)]
    bench.psql(port, "bench", "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
               "JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'long_report' "
               f"AND l.relation = {bench.quote_literal(bench.quote_ident(shard) + '.acct')}::regclass")


def scenario_held(fleet, workdir, args):
    """C: ADD COLUMN while one shard in a hundred is held for 10 s: each held
    shard's transaction ends HOLD_SECONDS after shoal first asked for its lock
    (about a lock_timeout before its first retry shows in --log-json), so
    every held shard is met while held, wherever it comes in the run."""
    r = Result(f"C ADD COLUMN, 1 % held {HOLD_SECONDS} s")
    migdir, app, baseline = begin(fleet, workdir, args, "mig-add", ADD_COLUMN_UP)
    names = sorted(n for node in fleet.shards(args.shards) for n in node)
    blocked = names[::100]
    holders = []
    for name in blocked:
        port = fleet.ports[int(name[2:]) % len(fleet.ports)]
        holders.append(subprocess.Popen(
            ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "bench", "-c",
             f"BEGIN; SELECT count(*) FROM {bench.quote_ident(name)}.acct; SELECT pg_sleep(3600);"],
            env=dict(os.environ, PGAPPNAME="long_report"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_for("the long transactions", lambda: held(fleet, blocked), 30)
    log_json = os.path.join(workdir, "C-apply.jsonl")
    t_apply = time.time()
    with open(os.path.join(workdir, "C-apply.out"), "w") as out:
        proc = subprocess.Popen([SHOAL, "apply", "--migdir", migdir, "--hosts", fleet.hosts(), "--user", "postgres",
                                 "--log-json", log_json], stdout=out, stderr=subprocess.STDOUT)
    release_at = {}  # shard → when its holder ends
    try:
        while proc.poll() is None or len(release_at) < len(blocked):
            for e in read_events(log_json, partial=True):
                if e["event"] == "step_retried" and e["schema"] in blocked and e["schema"] not in release_at:
                    release_at[e["schema"]] = time.time() + HOLD_SECONDS - LOCK_TIMEOUT_MS / 1000
            for shard, when in list(release_at.items()):
                if when and time.time() >= when:
                    release(fleet, shard)
                    release_at[shard] = 0
            if proc.poll() is not None and len(release_at) < len(blocked):
                break  # a held shard never waited: the run is over, count it below
            time.sleep(0.05)
    finally:
        for shard in blocked:
            release(fleet, shard)
        for holder in holders:
            holder.wait()
    rc = proc.wait()
    t_applied = time.time()
    events = read_events(log_json)
    with open(os.path.join(workdir, "C-apply.out")) as out:
        expect(rc == 0, f"C: shoal exited {rc}:\n{out.read()[-2000:]}")
    r.app = finish(fleet, app, args, "C")
    queries = app.queries()
    r.windows = change_stats(queries, baseline, [(t_apply, t_applied)])
    retried = [e for e in events if e["event"] == "step_retried"]
    r.facts["held shards"] = len(blocked)
    r.facts["retries"] = len(retried)
    r.facts["held shards retried (all applied)"] = len({e["schema"] for e in retried if e["schema"] in blocked})
    r.facts["other shards retried"] = len({e["schema"] for e in retried if e["schema"] not in blocked})
    r.facts["change wall s"] = t_applied - t_apply
    return r


COUNT_REWRITES = """DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname ~ '^sh[0-9]+$' LOOP
    EXECUTE format('CREATE SEQUENCE %I.shoal_rewrites', s);
    EXECUTE format('CREATE FUNCTION %I.count_rewrite() RETURNS trigger LANGUAGE plpgsql '
                   'SET search_path = %I AS $f$ BEGIN PERFORM nextval(''shoal_rewrites''); RETURN NEW; END $f$', s, s);
    EXECUTE format('CREATE TRIGGER count_rewrite AFTER UPDATE ON %I.acct FOR EACH ROW '
                   'WHEN (current_setting(''application_name'') LIKE ''shoal%%'') '
                   'EXECUTE FUNCTION %I.count_rewrite()', s, s);
  END LOOP;
END $$"""


def scenario_kill(fleet, workdir, args):
    """D: SIGKILL at half of the backfill, rerun, rows rewritten counted."""
    r = Result("D SIGKILL mid-backfill, rerun")
    migdir, app, _ = begin(fleet, workdir, args, "mig-online", ONLINE_UP, COUNT_REWRITES)
    total = args.shards * args.rows
    cmd = [SHOAL, "apply", "--migdir", migdir, "--hosts", fleet.hosts(), "--user", "postgres"]
    with open(os.path.join(workdir, "D-killed.out"), "w") as out:
        first = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)

    def backfilled():
        return sum_all(fleet, "bench", "SELECT coalesce(sum(rows_done), 0) FROM shoal.online") * 2 >= total
    try:
        wait_for("half of the backfill", lambda: first.poll() is not None or backfilled(), 3600)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    done_at_kill = sum_all(fleet, "bench", "SELECT coalesce(sum(rows_done), 0) FROM shoal.online")
    # The killed run's sessions end when their server notices; the rerun needs the run lock.
    wait_for("the killed run's sessions to end", lambda: sum_all(
        fleet, "bench", "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'shoal%'") == 0, 60)
    wall, _ = shoal(fleet, migdir, workdir, "D-rerun", "apply")
    r.app = app.stop()
    per_shard = []
    for port in fleet.ports:
        for line in bench.psql(port, "bench", "SELECT o.rows_total, coalesce(s.last_value, 0) FROM shoal.online o "
                               "JOIN pg_sequences s ON s.schemaname = o.schema "
                               "AND s.sequencename = 'shoal_rewrites' WHERE o.state = 'backfilled'").splitlines():
            rows, rewrites = map(int, line.split("|"))
            per_shard.append((rows, rewrites))
    expect(len(per_shard) == args.shards, f"D: {len(per_shard)} of {args.shards} shards backfilled")
    mismatches = sum_all(fleet, "bench", "SELECT coalesce(sum(shoal.online_mismatches(schema, version)), 0) "
                         "FROM shoal.online")
    rows = sum(p[0] for p in per_shard)
    rewrites = sum(p[1] for p in per_shard)
    r.facts["rows before the expand"] = rows
    r.facts["rows done at the kill"] = done_at_kill
    r.facts["rows rewritten"] = rewrites
    r.facts["rewritten / rows"] = rewrites / rows
    r.facts["shards rewriting rows twice"] = sum(1 for n, w in per_shard if w > n)
    r.facts["most rows rewritten twice in a shard"] = max(w - n for n, w in per_shard)
    r.facts["rows out of step after the rerun"] = mismatches
    r.facts["rerun s"] = wall
    expect(mismatches == 0, f"D: {mismatches} rows out of step")
    return r


SCENARIOS = {"A": scenario_online, "B": scenario_plain, "C": scenario_held, "D": scenario_kill}


def fmt(v):
    if isinstance(v, float):
        return f"{v:.2f}" if v < 100 else f"{v:.0f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt(x) for x in v)
    return str(v)


def report(results, args, setup_s, load_before, load_after, data_dir):
    by = {r.name[0]: r for r in results}
    lines = [
        "# Online changes with the application running (bench/online.py)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, 3 nodes on this machine, "
        f"durable servers (fsync on), data in {data_dir}. {args.shards} shards × {args.rows} rows "
        f"({args.shards * args.rows} rows), filled in {setup_s:.0f} s. Application: pgbench per node, "
        f"{args.clients} clients, {args.rate} queries/s (half SELECT, half UPDATE of a random row of a random shard); "
        f"windows of {args.window:g} s. Load (uptime) before: {load_before}; after: {load_after}.",
        "",
        "| scenario | app queries in the change | app errors (whole run) | p50 ms | p99 ms | max ms "
        "| max lock wait ms | longest ACCESS EXCLUSIVE by shoal ms | wall s of the change | baseline p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c, b = r.windows.get("change"), r.windows.get("baseline")
        if not c:
            continue
        lines.append(f"| {r.name} | {c['n']} | {r.app_sum('errors'):.0f} | {c['p50']:.1f} | {c['p99']:.1f} | "
                     f"{c['max']:.1f} | {r.app_max('max_lock_wait_ms'):.0f} | "
                     f"{r.app_max('max_shoal_exclusive_ms'):.0f} | {r.facts['change wall s']:.1f} | "
                     f"{b['p50']:.1f} / {b['p99']:.1f} |")
    if "A" in by and "B" in by:
        a, b = by["A"], by["B"]
        lines += ["", "**Headline, B (plain ALTER TYPE) over A (online)**: application p99 "
                  f"{b.windows['change']['p99']:.1f} / {a.windows['change']['p99']:.1f} ms = "
                  f"{b.windows['change']['p99'] / max(a.windows['change']['p99'], 1e-3):.1f}×; max lock wait "
                  f"{b.app_max('max_lock_wait_ms'):.0f} / {a.app_max('max_lock_wait_ms'):.0f} ms = "
                  f"{b.app_max('max_lock_wait_ms') / max(a.app_max('max_lock_wait_ms'), 1):.1f}×; "
                  f"longest ACCESS EXCLUSIVE {b.app_max('max_shoal_exclusive_ms'):.0f} / "
                  f"{a.app_max('max_shoal_exclusive_ms'):.0f} ms."]
    for r in results:
        lines += ["", f"### {r.name}", "", "| figure | value |", "|---|---|"]
        for label, w in r.windows.items():
            lines.append(f"| app {label}: queries, p50 / p99 / max ms | {w['n']}, {w['p50']:.2f} / {w['p99']:.2f} / "
                         f"{w['max']:.1f} |")
        for label, v in r.facts.items():
            lines.append(f"| {label} | {fmt(v)} |")
        for node, v in r.app.items():
            lines.append(f"| app on {node} (whole run) | " + ", ".join(f"{k} {fmt(x)}" for k, x in v.items()) + " |")
    return "\n".join(lines) + "\n"


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=1000, help="shards over the 3 nodes (default 1000)")
    parser.add_argument("--rows", type=int, default=10000, help="rows per shard (default 10000)")
    parser.add_argument("--rate", type=int, default=100, help="application queries per second per node (default 100)")
    parser.add_argument("--clients", type=int, default=4, help="application connections per node (default 4)")
    parser.add_argument("--window", type=float, default=8, help="seconds of the baseline and deploy windows (8)")
    parser.add_argument("--only", default="A,B,C,D", help="scenarios to run, e.g. A,B (default A,B,C,D; E is A's)")
    parser.add_argument("--data-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else "/tmp")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "online.md"))
    args = parser.parse_args()
    if not os.access(SHOAL, os.X_OK):
        sys.exit(f"bench: {SHOAL} not found; run `make` first")
    load_before = uptime()
    fleet = bench.Fleet(3, args.data_dir)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="shoal-online.", dir=args.data_dir) as workdir:
            start = time.time()
            log(f"== filling {args.shards} shards × {args.rows} rows on 3 nodes")
            make_template(fleet, args.shards, args.rows)
            setup_s = time.time() - start
            log(f"   {setup_s:.1f} s")
            for key in args.only.split(","):
                log(f"== {key}")
                started = time.time()
                results.append(SCENARIOS[key](fleet, workdir, args))
                results[-1].facts["scenario s (fresh copy, baseline and all)"] = time.time() - started
                log(f"   {time.time() - started:.1f} s: " + json.dumps(
                    {**results[-1].facts, **{k: v for k, v in results[-1].windows.items()}}, default=str))
    finally:
        fleet.close()
    text = report(results, args, setup_s, load_before, uptime(), args.data_dir)
    print()
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
