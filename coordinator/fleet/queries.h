// Every statement the coordinator sends, with its parameters and the columns it
// reads back: the contract with the extension (docs/architecture.md, "The SQL
// interface") and with PostgreSQL's catalogs, in one place. Two kinds of text
// are not here: a migration's own statements, and the DROP INDEX of a solo
// version's leftover (drop_leftover_index below: identifiers, not values, so
// quoted into the text). Values always travel as parameters; every name is
// schema-qualified, as the extension's own functions are.
//
// `params` is how many parameters ($1 … $params) a statement takes; the unit
// test (test/unit/queries_test.cpp) checks it against the text.
#pragma once

#include <string>
#include <vector>

namespace shoal::fleet::queries {

struct Sql {
    std::string text;
    int params;
};

// ---- the extension: shoal.* -------------------------------------------------------

// $1 version text, $2 direction ('up' or 'dn'), $3 checksum, $4 statements
// text[] and $5 locations text[] (file:line of each statement), both as array
// literals. → stage boolean (true when newly stored; read by nobody).
inline const Sql kStage{"SELECT shoal.stage($1, $2, $3, $4, $5)", 5};

// $1 schema, $2 version, $3 checksum (of the staged up script). → text:
// 'applied' or 'already applied'. Prepared once per connection.
inline const Sql kMigApply{"SELECT shoal.mig_apply($1, $2, $3)", 3};
// $1 schema, $2 version, $3 checksum (of the staged dn script). → text:
// 'undone' or 'not applied'. Prepared once per connection.
inline const Sql kMigUndo{"SELECT shoal.mig_undo($1, $2, $3)", 3};
// $1 schema, $2 version, $3 checksum. → text: 'marked' or 'already applied'.
inline const Sql kMigMark{"SELECT shoal.mig_mark($1, $2, $3)", 3};
// $1 schema, $2 version. → text: 'forgotten' or 'not applied'.
inline const Sql kMigForget{"SELECT shoal.mig_forget($1, $2)", 2};
// $1 schema, $2 version, $3 checksum, $4 message. → void.
inline const Sql kRecordFailure{"SELECT shoal.record_failure($1, $2, $3, $4)", 4};

// No parameters. One row per applied version of every schema shoal.stamps()
// lists, in the stamp's order, and one row with NULL version for a schema with
// none or whose stamp cannot be read. → schema text, version text,
// checksum text ('' when unknown), problem text (NULL when readable).
inline const Sql kStamps{
    "SELECT s.schema, v.version, v.checksum, s.problem"
    " FROM shoal.stamps() s"
    " LEFT JOIN LATERAL ROWS FROM (pg_catalog.unnest(s.versions), pg_catalog.unnest(s.checksums))"
    " WITH ORDINALITY AS v(version, checksum, n)"
    " ON true ORDER BY s.schema, v.n",
    0};

// $1 holder, $2 digest of the directory. → void; SQLSTATE 55P03 when another
// run holds the lock.
inline const Sql kLockRun{"SELECT shoal.lock_run($1, $2)", 2};
// No parameters. → boolean.
inline const Sql kUnlockRun{"SELECT shoal.unlock_run()", 0};
// $1 holder (the control connection's). → void, backend pid int.
inline const Sql kJoinRun{"SELECT shoal.join_run($1), pg_catalog.pg_backend_pid()", 1};
// The record of this run on the node (extension 1.8; node.h's begin_runs and
// end_runs). $1 command, $2 what it was narrowed to (NULL: everything). → void;
// SQLSTATE 55000 when this session does not hold the run lock.
inline const Sql kBeginRun{"SELECT shoal.begin_run($1, $2)", 2};
// $1 outcome ('succeeded', 'failed', 'cancelled', 'interrupted'), $2 steps done
// and $3 steps failed on the node, $4 whether the digest was stored. → void.
inline const Sql kEndRun{"SELECT shoal.end_run($1, $2, $3, $4)", 4};
// No parameters. → state text ('running', 'paused', 'cancelled'), changed_by
// text, reason text.
inline const Sql kControlState{"SELECT state, changed_by, reason FROM shoal.control_state()", 0};
// Steering the fleet from the command line (fleet/steer.cpp). No parameters. →
// state text, changed_by text, changed_at text (ISO 8601, UTC), reason text,
// the holder of the run in progress text (NULL when no run holds the lock).
inline const Sql kSteering{
    "SELECT c.state, c.changed_by,"
    " pg_catalog.to_char(c.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " c.reason, (SELECT l.holder FROM shoal.run_lock l WHERE l.pid IS NOT NULL)"
    " FROM shoal.control_state() c",
    0};
// $1 reason (NULL: none). → the state after the call.
inline const Sql kPause{"SELECT shoal.pause($1)", 1};
inline const Sql kResume{"SELECT shoal.resume($1)", 1};
// $1 reason. → the state after the call; no row where no run holds the run lock.
inline const Sql kCancelRun{
    "SELECT shoal.cancel($1) WHERE EXISTS (SELECT FROM shoal.run_lock l WHERE l.pid IS NOT NULL)",
    1};
// $1 schema. → void; takes the lock mig_apply takes on the schema.
inline const Sql kLockSchema{"SELECT shoal.lock_schema($1)", 1};

// No parameters. → CPUs int, machine text (NULL where unknown).
inline const Sql kServerShape{"SELECT shoal.server_cpus(), shoal.server_machine()", 0};

// No parameters. → text, NULL when never saved.
inline const Sql kRerunFingerprint{"SELECT shoal.rerun_fingerprint()", 0};
// $1 fingerprint. → void.
inline const Sql kSetRerunFingerprint{"SELECT shoal.set_rerun_fingerprint($1)", 1};
// $1 digest. → void.
inline const Sql kSetDigest{"SELECT shoal.set_digest($1)", 1};
// No parameters. → digest text.
inline const Sql kDigest{"SELECT shoal.digest()", 0};
// No parameters. What shoal.digest_after_repair() does by hand, for a repair
// that holds the run lock itself: a stored code digest (it holds a '.')
// becomes 'after-repair', which deploy gates read as behind. → void, or no row.
inline const Sql kDigestAfterRepair{
    "SELECT shoal.set_digest('after-repair') FROM (SELECT shoal.digest() AS d) s"
    " WHERE pg_catalog.strpos(s.d, '.') OPERATOR(pg_catalog.>) 0",
    0};

// $1 schemas text[]. → schema text, fingerprint text.
inline const Sql kSchemaFingerprints{
    "SELECT schema, fingerprint FROM shoal.schema_fingerprints($1::text[])", 1};
// $1 schemas text[]. → schema text, kind text, name text, definition text.
inline const Sql kSchemaObjects{
    "SELECT schema, kind, name, definition FROM shoal.schema_objects($1::text[])", 1};

// No parameters. Each schema's latest event, where it is a failure: the version
// that failed and what record_failure() stored. → schema text, version text,
// detail text.
inline const Sql kLatestFailures{
    "SELECT e.schema, e.version, e.detail FROM (SELECT DISTINCT ON (schema) schema, version, "
    "action, detail FROM shoal.event"
    " ORDER BY schema, id DESC) e WHERE e.action OPERATOR(pg_catalog.=) 'fail'",
    0};
// Points in time are ISO 8601 in UTC, whatever the session's DateStyle and
// TimeZone: "2026-12-01T21:40:02.410Z".
// No parameters. The last event: → its finish, the role that wrote it; no row
// when there is none.
inline const Sql kLastEvent{
    "SELECT pg_catalog.to_char(finished_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), role FROM shoal.event "
    "ORDER BY finished_at DESC, id DESC LIMIT 1",
    0};
// history: shoal.event, newest first. $1 since timestamptz, $2 version text, $3
// action text (as shown: a coordinator's mark is 'apply', its forget 'undo'),
// each NULL for no filter; $4 versions text[] and $5 checksums text[]: the
// (version, checksum) pairs whose mark is the coordinator's apply (history.h,
// CoordinatorMarks), asked only of marks that do not say which run wrote them
// (run_command NULL: written before extension 1.8);
// $6 the most rows, NULL for all. → id, schema, version, action as shown,
// action as recorded, checksum, role, started_at and finished_at as ISO 8601
// UTC text with microseconds, seconds between them (float8), detail.
inline const Sql kHistory{
    "SELECT id, schema, version, shown, action, checksum, role,"
    " pg_catalog.to_char(pg_catalog.timezone('UTC', started_at),"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " pg_catalog.to_char(pg_catalog.timezone('UTC', finished_at),"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " pg_catalog.date_part('epoch', finished_at OPERATOR(pg_catalog.-) started_at), detail"
    " FROM (SELECT e.*, CASE WHEN e.action OPERATOR(pg_catalog.=) 'mark'"
    " AND (e.run_command OPERATOR(pg_catalog.=) 'apply' OR e.run_command IS NULL AND EXISTS (SELECT"
    " FROM ROWS FROM (pg_catalog.unnest($4::text[]), pg_catalog.unnest($5::text[])) m(version,"
    " checksum) WHERE m.version OPERATOR(pg_catalog.=) e.version"
    " AND m.checksum OPERATOR(pg_catalog.=) e.checksum)) THEN 'apply'"
    " WHEN e.action OPERATOR(pg_catalog.=) 'forget' AND e.run_command OPERATOR(pg_catalog.=) 'undo'"
    " THEN 'undo' ELSE e.action END AS shown"
    " FROM shoal.event e"
    " WHERE ($1::timestamptz IS NULL OR e.finished_at OPERATOR(pg_catalog.>=) $1::timestamptz)"
    " AND ($2::text IS NULL OR e.version OPERATOR(pg_catalog.=) $2::text)) h"
    " WHERE $3::text IS NULL OR shown OPERATOR(pg_catalog.=) $3::text"
    " ORDER BY finished_at DESC, id DESC LIMIT $6::bigint",
    6};
// No parameters. The newest run the node recorded, no row when none (a node
// whose runs all predate 1.8): → outcome, command, scope, role, started_at and
// finished_at as ISO 8601 UTC text, seconds between them (float8), steps_done,
// steps_failed, digest_stored ('t'/'f'); NULL where not closed.
inline const Sql kLastRun{
    "SELECT outcome, command, scope, role,"
    " pg_catalog.to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " pg_catalog.to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " pg_catalog.date_part('epoch', finished_at OPERATOR(pg_catalog.-) started_at),"
    " steps_done, steps_failed, digest_stored"
    " FROM shoal.recent_runs ORDER BY id DESC LIMIT 1",
    0};
// No parameters. → one row "holder (pid N, from ADDRESS, since T)" while a run
// holds the lock, none otherwise.
inline const Sql kRunLockHolder{
    "SELECT holder || ' (pid ' || pid || coalesce(', from ' || client_addr::text, '') || ', since "
    "' || pg_catalog.to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || "
    "')' FROM shoal.run_lock",
    0};

// ---- the extension itself ---------------------------------------------------------

inline const Sql kCreateExtension{"CREATE EXTENSION IF NOT EXISTS shoal", 0};
inline const Sql kUpdateExtension{"ALTER EXTENSION shoal UPDATE", 0};
// No parameters. → the installed version text (NULL when not installed), and
// the connections left int (max_connections less the reserved ones and the
// sessions there are).
inline const Sql kExtensionProbe{
    "SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) "
    "'shoal'),"
    " pg_catalog.current_setting('max_connections')::int"
    " - pg_catalog.current_setting('superuser_reserved_connections')::int"
    " - (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity)::int",
    0};

// ---- pg-mig's functions and queries, verbatim ---------------------------------------

// No parameters. → digest text. pg-mig's gate: it calls the function, whoever
// wrote it (SQLSTATE 42883 or 3F000 when never written).
inline const Sql kPgMigDigest{"SELECT digest FROM public.mig_digest_const() AS digest", 0};
// No parameters. pg-mig's loadSchemas(), condition and order as it sends them
// (its 'pg\_%' is read with the server's standard_conforming_strings, as here;
// `name` sorts bytewise), names qualified. Not shoal's candidate rule
// (schema_prefix.h): shoal's own schema is in it, as pg-mig sees it, and so the
// rerun fingerprint is the one pg-mig computes. → nspname name.
inline const Sql kPgMigSchemas{
    "SELECT nspname FROM pg_catalog.pg_namespace"
    " WHERE nspname OPERATOR(pg_catalog.!~~) 'pg\\_%'"
    " AND nspname OPERATOR(pg_catalog.!~~) 'information_schema'"
    " AND nspname OPERATOR(pg_catalog.!~~) 'debug\\_%'"
    " ORDER BY nspname",
    0};

// ---- the server and its catalogs ------------------------------------------------

// No parameters. → boolean.
inline const Sql kIsInRecovery{"SELECT pg_catalog.pg_is_in_recovery()", 0};
// No parameters. → pid int.
inline const Sql kBackendPid{"SELECT pg_catalog.pg_backend_pid()", 0};
// The session's synchronous_commit, but at least 'local': how a commit that
// must be durable when it returns commits here. The operator's level where it
// is one (remote_apply waits for the standbys as configured), never a forced
// 'on' (a database set to 'local' does not wait for a standby).
inline const std::string kSynchronousLevelExpression =
    "CASE pg_catalog.current_setting('synchronous_commit') WHEN 'off' THEN 'local'"
    " ELSE pg_catalog.current_setting('synchronous_commit') END";
// No parameters. → the synchronous level (above) text.
inline const Sql kSynchronousLevel{"SELECT " + kSynchronousLevelExpression, 0};
// No parameters. Sets synchronous_commit to the synchronous level for the
// batch's transaction: a write the summary reports (digest, fingerprint) is
// flushed when it returns, also on a node not asked for the durable commit.
inline const Sql kAtSynchronousLevel{
    "SELECT pg_catalog.set_config('synchronous_commit', " + kSynchronousLevelExpression + ", true)",
    0};
// No parameters. → the message's LSN. A transactional WAL record of its own
// (executable by PUBLIC, any wal_level), so the commit flushes the WAL up to its
// commit record and waits at the synchronous level (kAtSynchronousLevel first,
// in the same batch): a transaction whose only WAL is its commit record is
// flushed like an asynchronous one, xid or not.
inline const Sql kDurableCommit{
    "SELECT pg_catalog.pg_logical_emit_message(true, 'shoal', 'durable')", 0};
// The server's clock, in µs since the epoch, bigint.
inline const std::string kClockMicrosExpression =
    "(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000000)::bigint";
// The commit probe (choose_commit_modes): $1 boolean, whether this transaction
// commits at the synchronous level (else 'off'). → the clock (above) when the
// statement ran. It writes WAL (a logical message), so a synchronous commit
// flushes.
inline const Sql kCommitProbeMark{
    "SELECT " + kClockMicrosExpression +
        " FROM pg_catalog.set_config('synchronous_commit', CASE WHEN $1::boolean THEN " +
        kSynchronousLevelExpression +
        " ELSE 'off' END, true) AS s,"
        " pg_catalog.pg_logical_emit_message(true, 'shoal', 'commit probe') AS m",
    1};
// No parameters. → the clock (above): the probe's last mark.
inline const Sql kClockMicros{"SELECT " + kClockMicrosExpression, 0};
// No parameters. → every schema's name as text.
inline const Sql kSchemaNames{"SELECT n.nspname::text FROM pg_catalog.pg_namespace n", 0};
// $1 pids int[] (array literal). → pid int, wait_event_type text, wait_event
// text, the pids blocking it text ("12, 34").
inline const Sql kWaits{
    "SELECT a.pid, a.wait_event_type, a.wait_event,"
    " pg_catalog.array_to_string(pg_catalog.pg_blocking_pids(a.pid), ', ')"
    " FROM pg_catalog.pg_stat_activity a"
    " WHERE a.pid OPERATOR(pg_catalog.=) ANY ($1::int[])",
    1};
// $1 schema, $2 an interval (the lock_timeout: "1000 ms"). → pid int, usename,
// application_name, xact_start text (UTC), its age in seconds int, state: the
// other sessions holding a granted lock on a relation of the schema whose
// transaction began at least $2 ago (long enough to be what a lock wait of $2
// waited for), oldest first, at most 3. What another role's session hides
// from the migrating role (xact_start, state) is NULL.
inline const Sql kLockHolders{
    "SELECT a.pid, a.usename, a.application_name,"
    " pg_catalog.to_char(pg_catalog.timezone('UTC', a.xact_start), 'YYYY-MM-DD HH24:MI:SS'),"
    " pg_catalog.round(pg_catalog.date_part('epoch',"
    " pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) a.xact_start))::int,"
    " a.state"
    " FROM pg_catalog.pg_stat_activity a"
    " WHERE a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()"
    " AND a.pid OPERATOR(pg_catalog.=) ANY (ARRAY("
    "SELECT l.pid FROM pg_catalog.pg_locks l"
    " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
    " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
    " JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) l.database"
    " WHERE l.granted AND n.nspname OPERATOR(pg_catalog.=) $1"
    " AND d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()))"
    " AND (a.xact_start IS NULL OR a.xact_start OPERATOR(pg_catalog.<=)"
    " (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $2::interval))"
    " ORDER BY a.xact_start NULLS LAST LIMIT 3",
    2};
// $1 schema, $2 index names text[] whatever their state, $3 index names text[]
// only when invalid. → relname name of each such index in the schema.
inline const Sql kLeftoverIndexes{
    "SELECT c.relname FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
    " JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) c.oid"
    " WHERE n.nspname OPERATOR(pg_catalog.=) $1"
    " AND (c.relname OPERATOR(pg_catalog.=) ANY ($2::text[])"
    " OR (c.relname OPERATOR(pg_catalog.=) ANY ($3::text[]) AND NOT i.indisvalid))",
    3};
// `DROP INDEX CONCURRENTLY IF EXISTS schema.index`, both names already quoted
// (Connection::quote_ident). No parameters, no rows.
inline std::string drop_leftover_index(const std::string &quoted_schema,
                                       const std::string &quoted_index) {
    return "DROP INDEX CONCURRENTLY IF EXISTS " + quoted_schema + "." + quoted_index;
}
// $1 schema. As mig_apply does (extension 1.4, docs/operators.md "Security
// model"): a superuser runs a schema's statements as its owner when the owner
// is not one, unless shoal.run_as_owner is off. Local to the transaction.
// → one row (the role set) or none.
inline const Sql kRunAsOwner{
    "SELECT pg_catalog.set_config('role', o.rolname, true)"
    " FROM pg_catalog.pg_namespace n"
    " JOIN pg_catalog.pg_roles owner ON owner.oid OPERATOR(pg_catalog.=) n.nspowner"
    " JOIN pg_catalog.pg_roles o ON o.oid OPERATOR(pg_catalog.=) CASE"
    "   WHEN owner.rolname OPERATOR(pg_catalog.=) 'pg_database_owner'"
    "   THEN (SELECT d.datdba FROM pg_catalog.pg_database d"
    "         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
    "   ELSE n.nspowner END"
    " WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND NOT o.rolsuper"
    " AND (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) "
    "CURRENT_USER)"
    " AND pg_catalog.current_setting('shoal.run_as_owner', true) IS DISTINCT FROM 'off'",
    1};

// ---- settings: set_config, so that values are parameters -------------------------

// $1 lock_timeout ms, $2 statement_timeout ms, $3 synchronous_commit ('on' or
// 'off'), for the session. → the three values.
inline const Sql kStepSessionSettings{
    "SELECT pg_catalog.set_config('lock_timeout', $1, false),"
    " pg_catalog.set_config('statement_timeout', $2, false),"
    " pg_catalog.set_config('synchronous_commit', $3, false)",
    3};
// $1 search_path (the schema, quoted), $2 lock_timeout ms, $3
// statement_timeout ms, for the session. → the three values.
inline const Sql kSchemaSessionSettings{
    "SELECT pg_catalog.set_config('search_path', $1, false),"
    " pg_catalog.set_config('lock_timeout', $2, false),"
    " pg_catalog.set_config('statement_timeout', $3, false)",
    3};
// The same, local to the transaction.
inline const Sql kSchemaLocalSettings{
    "SELECT pg_catalog.set_config('search_path', $1, true),"
    " pg_catalog.set_config('lock_timeout', $2, true),"
    " pg_catalog.set_config('statement_timeout', $3, true)",
    3};
// $1 synchronous_commit, local to the transaction. Sent right before the
// COMMIT of a recording transaction, after the version's statements: its
// session was reset (the database's default), and a `SET LOCAL
// synchronous_commit` of the version's own must not decide how the stamp commits.
inline const Sql kLocalSynchronousCommit{
    "SELECT pg_catalog.set_config('synchronous_commit', $1, true)", 1};
// $1 lock_timeout ms, $2 statement_timeout ms, local to the transaction.
inline const Sql kLocalTimeouts{
    "SELECT pg_catalog.set_config('lock_timeout', $1, true),"
    " pg_catalog.set_config('statement_timeout', $2, true)",
    2};
// $1 search_path (the schema, quoted), local to the transaction.
inline const Sql kLocalSearchPath{"SELECT pg_catalog.set_config('search_path', $1, true)", 1};
// kLocalSearchPath for the catalog reads of schema as code, with JIT off until
// the transaction ends: their plans cost above jit_above_cost (the snapshot's
// about 100 000) and JIT compiled some 1 000 functions, 0.3-0.6 s, for a read
// that runs in milliseconds.
inline const Sql kCatalogReadFrame{
    "SELECT pg_catalog.set_config('search_path', $1, true), "
    "pg_catalog.set_config('jit', 'off', true)",
    1};
// No parameters: before.sql and after.sql run in schema public.
inline const Sql kPublicSearchPath{"SELECT pg_catalog.set_config('search_path', 'public', true)",
                                   0};

// ---- transactions and sessions ------------------------------------------------------

inline const Sql kBegin{"BEGIN", 0};
inline const Sql kCommit{"COMMIT", 0};
inline const Sql kRollback{"ROLLBACK", 0};
// The scratch transaction of dump and generate: one snapshot, which
// kOutsideScratch needs.
inline const Sql kBeginScratch{"BEGIN ISOLATION LEVEL REPEATABLE READ", 0};
// What DISCARD ALL does, less releasing the run's session locks and the
// prepared step: a session left as a new one would find it.
inline const std::vector<Sql> kSessionReset{
    {"RESET ROLE", 0},       {"SET SESSION AUTHORIZATION DEFAULT", 0},
    {"RESET ALL", 0},        {"CLOSE ALL", 0},
    {"DISCARD TEMP", 0},     {"UNLISTEN *", 0},
    {"DISCARD SEQUENCES", 0}};

// ---- lint --trace: one canary schema, in one transaction always rolled back ---------

// The transaction's own locks on user relations, a condition on pg_locks l.
// System catalogs and their views (oids below FirstNormalObjectId, 16384) are
// left out: the probes lock them.
inline const std::string kOwnRelationLocks =
    "l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted"
    " AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()"
    " AND l.relation OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid";
// No parameters. Notes the time a traced statement starts. → the time as text.
inline const Sql kTraceStart{
    "SELECT pg_catalog.set_config('shoal.trace_start', "
    "pg_catalog.clock_timestamp()::pg_catalog.text, true)",
    0};
// No parameters. → milliseconds since kTraceStart, double.
inline const Sql kTraceElapsedMs{
    "SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-)"
    " pg_catalog.current_setting('shoal.trace_start')::pg_catalog.timestamptz) "
    "OPERATOR(pg_catalog.*) 1000",
    0};
// No parameters. Runs before the snapshot, so the ACCESS SHARE locks
// pg_relation_size takes (under the ACCESS EXCLUSIVE the transaction already
// holds, so it waits for nobody) are in that snapshot and not charged to the
// next statement. → relation oid as text, non-empty boolean.
inline const Sql kTraceSizes{
    "SELECT l.relation::pg_catalog.text, pg_catalog.pg_relation_size(l.relation) "
    "OPERATOR(pg_catalog.>) 0"
    " FROM pg_catalog.pg_locks l WHERE " +
        kOwnRelationLocks + " AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'",
    0};
// $1 the canary schema. One row per (relation, lock mode held), mode NULL when
// none; relation columns NULL for one dropped in the transaction. → oid text,
// nspname, relname, relkind text, relfilenode text, has rows text ('true' or
// 'false'), mode text.
inline const Sql kTraceSnapshot{
    "SELECT r.oid::pg_catalog.text, n.nspname, c.relname, c.relkind::pg_catalog.text,"
    " c.relfilenode::pg_catalog.text,"
    " (c.reltuples OPERATOR(pg_catalog.>) 0 OR c.relpages OPERATOR(pg_catalog.>) "
    "0)::pg_catalog.text, l.mode"
    " FROM (SELECT k.oid FROM pg_catalog.pg_class k"
    " JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) k.relnamespace"
    " WHERE s.nspname OPERATOR(pg_catalog.=) $1"
    " UNION SELECT l.relation FROM pg_catalog.pg_locks l WHERE " +
        kOwnRelationLocks +
        ") r"
        " LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.oid"
        " LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
        " LEFT JOIN pg_catalog.pg_locks l ON " +
        kOwnRelationLocks +
        " AND l.relation OPERATOR(pg_catalog.=) r.oid"
        // A TOAST table is locked and rewritten with its table, which is reported.
        " WHERE n.nspname IS DISTINCT FROM 'pg_toast'",
    1};

// ---- schema as code: shoal dump and shoal generate (fleet/dump.h) -------------------

// $1 schema. Run with search_path set to exactly that schema (kLocalSearchPath),
// so PostgreSQL prints the schema's own objects unqualified and every other
// schema's qualified. One row per object of the schema model
// (coordinator/schema_model.h, build_model): → kind, tbl, name, definition,
// d1 … d6 text. Everything the model does not hold is a row of kind
// 'unmodelled' (tbl: what it is), so that nothing is left out in silence.
inline const Sql kSchemaSnapshot{
    "WITH ns AS (SELECT n.oid FROM pg_catalog.pg_namespace n"
    "            WHERE n.nspname OPERATOR(pg_catalog.=) $1),"
    " rel AS (SELECT c.oid, c.relname::text AS relname, c.relkind, c.relpersistence, c.reloptions,"
    "                c.relrowsecurity, c.relispartition, c.relacl, c.reloftype, c.relpartbound"
    "           FROM pg_catalog.pg_class c JOIN ns ON c.relnamespace OPERATOR(pg_catalog.=) "
    "ns.oid),"
    // Tables, partitioned tables and their partitions (a partition's columns,
    // inherited constraints, cloned foreign keys and triggers are its table's).
    " tbl AS (SELECT * FROM rel WHERE relkind IN ('r', 'p')),"
    " owner AS (SELECT dp.objid AS seq, dp.deptype, oc.relname::text AS tbl, oa.attname::text AS "
    "col"
    "             FROM pg_catalog.pg_depend dp"
    "             JOIN pg_catalog.pg_class oc ON oc.oid OPERATOR(pg_catalog.=) dp.refobjid"
    "             JOIN pg_catalog.pg_attribute oa ON oa.attrelid OPERATOR(pg_catalog.=) dp.refobjid"
    "              AND oa.attnum OPERATOR(pg_catalog.=) dp.refobjsubid"
    "            WHERE dp.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
    "              AND dp.refclassid OPERATOR(pg_catalog.=) "
    "'pg_catalog.pg_class'::pg_catalog.regclass"
    "              AND dp.deptype IN ('a', 'i')),"
    // The schema's functions and procedures but its stamp (pg-mig's and shoal's).
    " proc AS (SELECT p.* FROM pg_catalog.pg_proc p JOIN ns ON p.pronamespace "
    "OPERATOR(pg_catalog.=) "
    "ns.oid"
    "           WHERE p.prokind IN ('f', 'p')"
    "             AND NOT (p.pronargs OPERATOR(pg_catalog.=) 0"
    "                      AND (p.proname OPERATOR(pg_catalog.=) 'shoal_stamp_const'"
    "                           OR p.proname OPERATOR(pg_catalog.~) '^mig_.*_const$'))),"
    // Privileges (schema_model.h Grant): per object as GRANT names it (and
    // column), its owner, and each (grantee, privilege) whose level (0 none, 1
    // granted, 2 with grant option) differs from the object's default ACL's.
    " acl AS (SELECT o.target, o.col, o.owner, e.grantee, e.privilege, e.level, e.default_level"
    "   FROM (SELECT pg_catalog.concat(CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END,"
    "                  pg_catalog.quote_ident(r.relname)) AS target, '' AS col, c.relowner AS "
    "owner,"
    "                c.relacl AS acl,"
    "                pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' "
    "                  END::pg_catalog.\"char\", c.relowner) AS dflt"
    "           FROM rel r JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.oid"
    "          WHERE (r.oid IN (SELECT oid FROM tbl) OR r.relkind IN ('v', 'm', 'S'))"
    "            AND NOT EXISTS (SELECT FROM owner ow WHERE ow.seq OPERATOR(pg_catalog.=) r.oid"
    "                  AND ow.deptype OPERATOR(pg_catalog.=) 'i')"
    "         UNION ALL"
    "         SELECT pg_catalog.concat('TABLE ', pg_catalog.quote_ident(r.relname)),"
    "                pg_catalog.quote_ident(a.attname), c.relowner, a.attacl,"
    "                NULL::pg_catalog.aclitem[]"
    "           FROM rel r JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.oid"
    "           JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid"
    "            AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
    "          WHERE r.oid IN (SELECT oid FROM tbl) OR r.relkind IN ('v', 'm')"
    "         UNION ALL"
    "         SELECT pg_catalog.concat(CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' "
    "END,"
    "                  p.oid::pg_catalog.regprocedure), '', p.proowner, p.proacl,"
    "                pg_catalog.acldefault('f'::pg_catalog.\"char\", p.proowner)"
    "           FROM proc p"
    "         UNION ALL"
    "         SELECT pg_catalog.concat('TYPE ', pg_catalog.format_type(ty.oid, NULL)), '',"
    "                ty.typowner, ty.typacl, pg_catalog.acldefault('T'::pg_catalog.\"char\", "
    "ty.typowner)"
    "           FROM pg_catalog.pg_type ty JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    "          WHERE ty.typtype IN ('e', 'd', 'c') AND ty.typcategory OPERATOR(pg_catalog.<>) 'A'"
    "            AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c"
    "                  WHERE c.oid OPERATOR(pg_catalog.=) ty.typrelid"
    "                    AND c.relkind OPERATOR(pg_catalog.<>) 'c')) o"
    "   CROSS JOIN LATERAL (SELECT x.grantee, x.privilege_type AS privilege,"
    "          pg_catalog.max(CASE WHEN x.side THEN x.level ELSE 0 END) AS level,"
    "          pg_catalog.max(CASE WHEN x.side THEN 0 ELSE x.level END) AS default_level"
    "     FROM (SELECT true AS side, a.grantee, a.privilege_type,"
    "                  CASE WHEN a.is_grantable THEN 2 ELSE 1 END AS level"
    "             FROM pg_catalog.aclexplode(o.acl) a"
    "           UNION ALL SELECT false, d.grantee, d.privilege_type,"
    "                  CASE WHEN d.is_grantable THEN 2 ELSE 1 END"
    "             FROM pg_catalog.aclexplode(o.dflt) d) x"
    "    GROUP BY x.grantee, x.privilege_type) e"
    "  WHERE o.acl IS NOT NULL AND e.level OPERATOR(pg_catalog.<>) e.default_level)"
    // A table: its partition key (pg_get_partkeydef), and a partition's table
    // and bound (pg_get_expr of relpartbound).
    " SELECT 'table', '', t.relname, '',"
    "        CASE WHEN t.relkind OPERATOR(pg_catalog.=) 'p'"
    "             THEN pg_catalog.pg_get_partkeydef(t.oid) ELSE '' END,"
    "        COALESCE((SELECT pr.relname::text FROM pg_catalog.pg_inherits h"
    "          JOIN pg_catalog.pg_class pr ON pr.oid OPERATOR(pg_catalog.=) h.inhparent"
    "          WHERE h.inhrelid OPERATOR(pg_catalog.=) t.oid AND t.relispartition), ''),"
    "        CASE WHEN t.relispartition THEN pg_catalog.pg_get_expr(t.relpartbound, t.oid)"
    "             ELSE '' END, '', '', ''"
    "   FROM tbl t"
    " UNION ALL"
    " SELECT 'column', t.relname, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),"
    "        CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) ty.typcollation"
    "             THEN pg_catalog.quote_ident(co.collname::text) ELSE '' END,"
    "        CASE WHEN a.attnotnull THEN 't' ELSE 'f' END,"
    "        CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) ''"
    "             THEN COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') ELSE '' END,"
    "        a.attidentity::text,"
    "        CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) 's'"
    "             THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) ELSE '' END,"
    "        a.attnum::text"
    "   FROM tbl t JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.oid"
    "    AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped AND NOT t.relispartition"
    "   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid"
    "   LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation"
    "   LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid"
    "    AND d.adnum OPERATOR(pg_catalog.=) a.attnum"
    // A constraint, then its type, its index, and the constraint of the
    // partitioned table whose partition's it is (a key's; inherited checks and
    // cloned foreign keys are their table's only).
    " UNION ALL"
    " SELECT 'constraint', t.relname, k.conname::text, pg_catalog.pg_get_constraintdef(k.oid),"
    "        k.contype::text,"
    "        CASE WHEN k.contype IN ('p', 'u') THEN pg_catalog.pg_get_indexdef(k.conindid) ELSE '' "
    "END,"
    "        COALESCE((SELECT pk.conname::text FROM pg_catalog.pg_constraint pk"
    "          WHERE pk.oid OPERATOR(pg_catalog.=) k.conparentid), ''), '', '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_constraint k ON k.conrelid OPERATOR(pg_catalog.=) t.oid"
    "  WHERE (k.contype IN ('c', 'f', 'x') AND k.conislocal AND k.conparentid "
    "OPERATOR(pg_catalog.=) 0)"
    "     OR (k.contype IN ('p', 'u') AND NOT k.condeferrable)"
    " UNION ALL"
    // An index, then the partitioned table's index it is attached to.
    " SELECT 'index', t.relname, i.relname, pg_catalog.pg_get_indexdef(i.oid),"
    "        COALESCE((SELECT pi.relname::text FROM pg_catalog.pg_inherits h"
    "          JOIN pg_catalog.pg_class pi ON pi.oid OPERATOR(pg_catalog.=) h.inhparent"
    "          WHERE h.inhrelid OPERATOR(pg_catalog.=) i.oid), ''), '', '', '', '', ''"
    "   FROM pg_catalog.pg_index x JOIN rel i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid"
    "   JOIN tbl t ON t.oid OPERATOR(pg_catalog.=) x.indrelid"
    "  WHERE x.indisvalid AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k"
    "        WHERE k.conindid OPERATOR(pg_catalog.=) x.indexrelid"
    "          AND k.conrelid OPERATOR(pg_catalog.=) x.indrelid AND k.contype IN ('p', 'u', 'x'))"
    " UNION ALL"
    " SELECT 'sequence', '', r.relname,"
    "        pg_catalog.concat('AS ', pg_catalog.format_type(s.seqtypid, NULL),"
    "          ' INCREMENT BY ', s.seqincrement, ' MINVALUE ', s.seqmin, ' MAXVALUE ', s.seqmax,"
    "          ' START WITH ', s.seqstart, ' CACHE ', s.seqcache,"
    "          CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END),"
    "        COALESCE(o.tbl, ''), COALESCE(o.col, ''), '', '', '', ''"
    "   FROM rel r JOIN pg_catalog.pg_sequence s ON s.seqrelid OPERATOR(pg_catalog.=) r.oid"
    "   LEFT JOIN owner o ON o.seq OPERATOR(pg_catalog.=) r.oid"
    "  WHERE o.deptype IS DISTINCT FROM 'i'"
    // Types: enums (labels in sort order), domains, composite types.
    " UNION ALL"
    " SELECT 'enum', '', ty.typname::text, '', '', '', '', '', '', ''"
    "   FROM pg_catalog.pg_type ty JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    "  WHERE ty.typtype OPERATOR(pg_catalog.=) 'e'"
    " UNION ALL"
    " SELECT 'enum label', ty.typname::text, e.enumlabel::text, '',"
    "        (pg_catalog.row_number() OVER (PARTITION BY e.enumtypid"
    "                                       ORDER BY e.enumsortorder))::text,"
    "        '', '', '', '', ''"
    "   FROM pg_catalog.pg_enum e"
    "   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) e.enumtypid"
    "   JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    " UNION ALL"
    " SELECT 'domain', '', ty.typname::text, pg_catalog.format_type(ty.typbasetype, ty.typtypmod),"
    "        CASE WHEN ty.typcollation OPERATOR(pg_catalog.<>) bt.typcollation"
    "             THEN pg_catalog.quote_ident(co.collname::text) ELSE '' END,"
    "        CASE WHEN ty.typnotnull THEN 't' ELSE 'f' END,"
    "        COALESCE(pg_catalog.pg_get_expr(ty.typdefaultbin, 0), ''), '', '', ''"
    "   FROM pg_catalog.pg_type ty JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) ty.typbasetype"
    "   LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) ty.typcollation"
    "  WHERE ty.typtype OPERATOR(pg_catalog.=) 'd'"
    " UNION ALL"
    " SELECT 'domain constraint', ty.typname::text, k.conname::text,"
    "        pg_catalog.pg_get_constraintdef(k.oid), '', '', '', '', '', ''"
    "   FROM pg_catalog.pg_constraint k"
    "   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) k.contypid"
    "   JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    " UNION ALL"
    " SELECT 'composite type', '', r.relname, '', '', '', '', '', '', ''"
    "   FROM rel r WHERE r.relkind OPERATOR(pg_catalog.=) 'c'"
    " UNION ALL"
    " SELECT 'attribute', r.relname, a.attname::text, pg_catalog.format_type(a.atttypid, "
    "a.atttypmod),"
    "        CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) ty.typcollation"
    "             THEN pg_catalog.quote_ident(co.collname::text) ELSE '' END,"
    "        '', '', '', '', a.attnum::text"
    "   FROM rel r JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid"
    "    AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
    "   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid"
    "   LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation"
    "  WHERE r.relkind OPERATOR(pg_catalog.=) 'c'"
    // Routines, triggers, comments, row level security (schema_model.h Routine,
    // Trigger, Comment, RowSecurity, Policy).
    // A routine: its signature (regprocedure), pg_get_functiondef, then prokind,
    // what CREATE OR REPLACE cannot change, whether it is created after the tables.
    " UNION ALL"
    " SELECT 'routine', '', p.oid::pg_catalog.regprocedure::text, "
    "pg_catalog.pg_get_functiondef(p.oid),"
    "        p.prokind::text,"
    "        pg_catalog.concat(pg_catalog.pg_get_function_arguments(p.oid), ' RETURNS ',"
    "          pg_catalog.pg_get_function_result(p.oid)),"
    "        CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_depend dp"
    "          WHERE dp.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
    "            AND dp.objid OPERATOR(pg_catalog.=) p.oid"
    "            AND ((dp.refclassid OPERATOR(pg_catalog.=) "
    "'pg_catalog.pg_class'::pg_catalog.regclass"
    "                  AND dp.refobjid IN (SELECT oid FROM rel))"
    "              OR (dp.refclassid OPERATOR(pg_catalog.=) "
    "'pg_catalog.pg_type'::pg_catalog.regclass"
    "                  AND dp.refobjid IN (SELECT ty.oid FROM pg_catalog.pg_type ty"
    "                    JOIN rel r ON r.oid OPERATOR(pg_catalog.=) ty.typrelid))))"
    "               OR (p.prolang OPERATOR(pg_catalog.=) (SELECT l.oid FROM pg_catalog.pg_language "
    "l"
    "                     WHERE l.lanname OPERATOR(pg_catalog.=) 'sql') AND p.prosqlbody IS NULL)"
    "             THEN 't' ELSE 'f' END,"
    "        '', '', ''"
    "   FROM proc p"
    // A trigger on a table or a view: pg_get_triggerdef, then the signature of its function.
    " UNION ALL"
    " SELECT 'trigger', t.relname, g.tgname::text, pg_catalog.pg_get_triggerdef(g.oid),"
    "        g.tgfoid::pg_catalog.regprocedure::text, '', '', '', '', ''"
    "   FROM rel t JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) t.oid"
    "  WHERE NOT g.tgisinternal AND g.tgconstraint OPERATOR(pg_catalog.=) 0"
    "    AND g.tgparentid OPERATOR(pg_catalog.=) 0"
    "    AND (t.oid IN (SELECT oid FROM tbl) OR t.relkind OPERATOR(pg_catalog.=) 'v')"
    // A view: pg_get_viewdef, then its kind (v/m), its columns ("name type"),
    // the relations and routines of the schema its query reads (pg_depend of
    // its rewrite rule), each a line, and its options.
    " UNION ALL"
    " SELECT 'view', '', v.relname, pg_catalog.pg_get_viewdef(v.oid), v.relkind::text,"
    "        (SELECT pg_catalog.string_agg(pg_catalog.concat(pg_catalog.quote_ident(a.attname), ' "
    "',"
    "            pg_catalog.format_type(a.atttypid, a.atttypmod)), E'\\n' ORDER BY a.attnum)"
    "           FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) v.oid"
    "            AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped),"
    "        COALESCE((SELECT pg_catalog.string_agg(DISTINCT r.relname, E'\\n')"
    "           FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_depend d"
    "             ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
    "            AND d.objid OPERATOR(pg_catalog.=) w.oid"
    "            AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
    "           JOIN rel r ON r.oid OPERATOR(pg_catalog.=) d.refobjid"
    "          WHERE w.ev_class OPERATOR(pg_catalog.=) v.oid"
    "            AND r.oid OPERATOR(pg_catalog.<>) v.oid), ''),"
    "        COALESCE((SELECT pg_catalog.string_agg(DISTINCT p.oid::pg_catalog.regprocedure::text,"
    "            E'\\n')"
    "           FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_depend d"
    "             ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
    "            AND d.objid OPERATOR(pg_catalog.=) w.oid"
    "            AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
    "           JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.refobjid"
    "           JOIN ns ON p.pronamespace OPERATOR(pg_catalog.=) ns.oid"
    "          WHERE w.ev_class OPERATOR(pg_catalog.=) v.oid), ''),"
    "        COALESCE(pg_catalog.array_to_string(v.reloptions, ', '), ''), ''"
    "   FROM rel v WHERE v.relkind IN ('v', 'm')"
    // A materialized view's index, as a table's.
    " UNION ALL"
    " SELECT 'index', m.relname, i.relname, pg_catalog.pg_get_indexdef(i.oid), '', '', '', '', '', "
    "''"
    "   FROM pg_catalog.pg_index x JOIN rel i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid"
    "   JOIN rel m ON m.oid OPERATOR(pg_catalog.=) x.indrelid AND m.relkind OPERATOR(pg_catalog.=) "
    "'m'"
    "  WHERE x.indisvalid"
    // A comment: the object as COMMENT ON names it, the text as a literal.
    " UNION ALL"
    " SELECT 'comment', '', m.target, pg_catalog.quote_literal(m.description), '', '', '', '', '', "
    "''"
    "   FROM ("
    "   SELECT pg_catalog.concat(CASE WHEN d.objsubid OPERATOR(pg_catalog.>) 0 THEN 'COLUMN'"
    "            ELSE CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'"
    "              WHEN 'S' THEN 'SEQUENCE' WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX'"
    "              WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END END,"
    "            ' ', pg_catalog.quote_ident(r.relname),"
    "            CASE WHEN d.objsubid OPERATOR(pg_catalog.>) 0"
    "              THEN pg_catalog.concat('.', pg_catalog.quote_ident(a.attname)) END) AS target,"
    "          d.description"
    "     FROM rel r JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) r.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
    "     LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid"
    "      AND a.attnum OPERATOR(pg_catalog.=) d.objsubid"
    "   UNION ALL SELECT pg_catalog.concat('CONSTRAINT ', pg_catalog.quote_ident(k.conname), ' ON "
    "',"
    "            CASE WHEN k.contypid OPERATOR(pg_catalog.<>) 0"
    "              THEN pg_catalog.concat('DOMAIN ', pg_catalog.format_type(k.contypid, NULL))"
    "              ELSE pg_catalog.quote_ident(r.relname) END), d.description"
    "     FROM pg_catalog.pg_constraint k JOIN ns ON k.connamespace OPERATOR(pg_catalog.=) ns.oid"
    "     LEFT JOIN rel r ON r.oid OPERATOR(pg_catalog.=) k.conrelid"
    "     JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) k.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass"
    "   UNION ALL SELECT pg_catalog.concat(CASE p.prokind WHEN 'p' THEN 'PROCEDURE '"
    "            WHEN 'a' THEN 'AGGREGATE ' ELSE 'FUNCTION ' END, p.oid::pg_catalog.regprocedure),"
    "          d.description"
    "     FROM pg_catalog.pg_proc p JOIN ns ON p.pronamespace OPERATOR(pg_catalog.=) ns.oid"
    "     JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) p.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
    "   UNION ALL SELECT pg_catalog.concat('TRIGGER ', pg_catalog.quote_ident(g.tgname), ' ON ',"
    "            pg_catalog.quote_ident(r.relname)), d.description"
    "     FROM rel r JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) r.oid"
    "     JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) g.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_trigger'::pg_catalog.regclass"
    "   UNION ALL SELECT pg_catalog.concat('POLICY ', pg_catalog.quote_ident(p.polname), ' ON ',"
    "            pg_catalog.quote_ident(r.relname)), d.description"
    "     FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) r.oid"
    "     JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) p.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_policy'::pg_catalog.regclass"
    "   UNION ALL SELECT pg_catalog.concat('TYPE ', pg_catalog.format_type(ty.oid, NULL)), "
    "d.description"
    "     FROM pg_catalog.pg_type ty JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    "     JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) ty.oid"
    "      AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass) m"
    // Row level security of a table: enabled (t/f), forced (t/f).
    " UNION ALL"
    " SELECT 'row security', t.relname, '', '',"
    "        CASE WHEN t.relrowsecurity THEN 't' ELSE 'f' END,"
    "        CASE WHEN c.relforcerowsecurity THEN 't' ELSE 'f' END, '', '', '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.oid"
    "  WHERE t.relrowsecurity OR c.relforcerowsecurity"
    // A policy: PERMISSIVE or RESTRICTIVE, then its command, roles, USING and
    // WITH CHECK expressions ("" when none).
    " UNION ALL"
    " SELECT 'policy', t.relname, p.polname::text,"
    "        CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,"
    "        CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'"
    "          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,"
    "        (SELECT pg_catalog.string_agg(CASE WHEN r.role OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'"
    "            ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.role)) END, ', '"
    "            ORDER BY 1) FROM pg_catalog.unnest(p.polroles) r(role)),"
    "        COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''),"
    "        COALESCE(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ''), '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) t.oid"
    // Storage (schema_model.h Table::options, Column::storage …): a table's
    // storage parameters, then its TOAST table's (as toast.NAME), each a line
    // in the order of their arrays (verify's fingerprint has that order); a
    // column's storage (and its type's), compression and statistics target,
    // when one of them is not the default.
    " UNION ALL"
    " SELECT 'table options', t.relname, '', pg_catalog.array_to_string(o.options, E'\\n'),"
    "        '', '', '', '', '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.oid"
    "   CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(x.option ORDER BY x.toast, x.position)"
    "          AS options FROM (SELECT false AS toast, r.option, r.position"
    "            FROM pg_catalog.unnest(t.reloptions) WITH ORDINALITY AS r(option, position)"
    "          UNION ALL SELECT true, pg_catalog.concat('toast.', r.option), r.position"
    "            FROM pg_catalog.pg_class tc, pg_catalog.unnest(tc.reloptions)"
    "                 WITH ORDINALITY AS r(option, position)"
    "           WHERE tc.oid OPERATOR(pg_catalog.=) c.reltoastrelid) x) o"
    "  WHERE o.options IS NOT NULL"
    " UNION ALL"
    " SELECT 'column options', t.relname, a.attname::text, '',"
    "        CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'"
    "          ELSE 'EXTENDED' END,"
    "        CASE ty.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'"
    "          ELSE 'EXTENDED' END,"
    "        CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE '' END,"
    "        CASE WHEN a.attstattarget OPERATOR(pg_catalog.>=) 0 THEN a.attstattarget::text"
    "          ELSE '' END, '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.oid"
    "    AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
    "   JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid"
    "  WHERE a.attstorage OPERATOR(pg_catalog.<>) ty.typstorage"
    "     OR a.attcompression OPERATOR(pg_catalog.<>) '' OR a.attstattarget "
    "OPERATOR(pg_catalog.>=) 0"
    // A privilege of another role than the object's owner: its object (as
    // GRANT names it), the grantee, the privilege; column, level, default level.
    " UNION ALL"
    " SELECT 'grant', g.target, CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'"
    "          ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,"
    "        g.privilege, g.col, g.level::text, g.default_level::text, '', '', ''"
    "   FROM acl g WHERE g.grantee OPERATOR(pg_catalog.<>) g.owner"
    // Not modelled: a view's column default; the owner's own privileges taken
    // away or given with grant option.
    " UNION ALL"
    " SELECT 'unmodelled', 'default of view column', pg_catalog.concat(v.relname, '.', a.attname),"
    "        '', '', '', '', '', '', ''"
    "   FROM rel v JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) v.oid"
    "   JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) v.oid"
    "    AND a.attnum OPERATOR(pg_catalog.=) d.adnum"
    "  WHERE v.relkind IN ('v', 'm')"
    " UNION ALL"
    " SELECT 'unmodelled', 'privileges of the owner on',"
    "        pg_catalog.concat(g.target, CASE WHEN g.col OPERATOR(pg_catalog.<>) ''"
    "          THEN pg_catalog.concat(' (', g.col, ')') END, ' ', g.privilege),"
    "        '', '', '', '', '', '', ''"
    "   FROM acl g WHERE g.grantee OPERATOR(pg_catalog.=) g.owner"
    // Created again, a materialized view is populated.
    " UNION ALL"
    " SELECT 'unmodelled', 'unpopulated materialized view', v.relname, '', '', '', '', '', '', ''"
    "   FROM rel v JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) v.oid"
    "  WHERE v.relkind OPERATOR(pg_catalog.=) 'm' AND NOT c.relispopulated"
    // What the routines, triggers and comments above cannot say: a routine whose
    // settings name its own schema (the name differs per shard), a trigger
    // disabled or enabled for replication only.
    " UNION ALL"
    " SELECT 'unmodelled', 'own schema in the settings of routine',"
    "        p.oid::pg_catalog.regprocedure::text, '', '', '', '', '', '', ''"
    "   FROM proc p"
    "  WHERE EXISTS (SELECT FROM pg_catalog.unnest(p.proconfig) setting,"
    "          pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(setting, 13), ', ')) "
    "item"
    "         WHERE pg_catalog.starts_with(setting, 'search_path=')"
    "           AND item IN ($1, pg_catalog.quote_ident($1)))"
    " UNION ALL"
    " SELECT 'unmodelled', 'enabled state of trigger', pg_catalog.concat(t.relname, '.', g.tgname),"
    "        '', '', '', '', '', '', ''"
    "   FROM tbl t JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) t.oid"
    "  WHERE NOT g.tgisinternal AND g.tgenabled OPERATOR(pg_catalog.<>) 'O'"
    "    AND g.tgparentid OPERATOR(pg_catalog.=) 0"
    " UNION ALL"
    " SELECT 'unmodelled', u.what, u.name, '', '', '', '', '', '', '' FROM ("
    "   SELECT CASE r.relkind WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'sub-partitioned table'"
    "            ELSE 'partition of a foreign table' END AS what, r.relname AS name"
    "     FROM rel r WHERE r.relkind OPERATOR(pg_catalog.=) 'f'"
    "        OR (r.relkind OPERATOR(pg_catalog.=) 'p' AND r.relispartition)"
    // A partition is modelled as its table's: one of a table of another
    // schema, or whose columns say more than its table's, is not.
    "   UNION ALL SELECT 'partition of a table of another schema', t.relname FROM tbl t"
    "     JOIN pg_catalog.pg_inherits h ON h.inhrelid OPERATOR(pg_catalog.=) t.oid"
    "    WHERE t.relispartition AND h.inhparent NOT IN (SELECT oid FROM tbl)"
    "   UNION ALL SELECT 'column of partition unlike its table''s',"
    "          pg_catalog.concat(t.relname, '.', a.attname)"
    "     FROM tbl t JOIN pg_catalog.pg_inherits h ON h.inhrelid OPERATOR(pg_catalog.=) t.oid"
    "     JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.oid"
    "      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
    "     JOIN pg_catalog.pg_attribute pa ON pa.attrelid OPERATOR(pg_catalog.=) h.inhparent"
    "      AND pa.attname OPERATOR(pg_catalog.=) a.attname"
    "     LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid"
    "      AND d.adnum OPERATOR(pg_catalog.=) a.attnum"
    "     LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid OPERATOR(pg_catalog.=) pa.attrelid"
    "      AND pd.adnum OPERATOR(pg_catalog.=) pa.attnum"
    "    WHERE t.relispartition AND (a.attnotnull OPERATOR(pg_catalog.<>) pa.attnotnull"
    "       OR a.attidentity OPERATOR(pg_catalog.<>) pa.attidentity"
    // A partition's columns are not in the model: options of their own would
    // be lost (PARTITION OF copies storage and compression, not statistics).
    "       OR a.attstorage OPERATOR(pg_catalog.<>) pa.attstorage"
    "       OR a.attcompression OPERATOR(pg_catalog.<>) pa.attcompression"
    "       OR a.attstattarget OPERATOR(pg_catalog.<>) pa.attstattarget"
    "       OR COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')"
    "          OPERATOR(pg_catalog.<>) COALESCE(pg_catalog.pg_get_expr(pd.adbin, pd.adrelid), ''))"
    "   UNION ALL SELECT 'unlogged table', relname FROM tbl WHERE relpersistence "
    "OPERATOR(pg_catalog.=) 'u'"
    "   UNION ALL SELECT 'privileges on identity sequence', r.relname FROM rel r"
    "          JOIN owner ow ON ow.seq OPERATOR(pg_catalog.=) r.oid"
    "         WHERE r.relacl IS NOT NULL AND ow.deptype OPERATOR(pg_catalog.=) 'i'"
    "   UNION ALL SELECT 'inheritance of table', t.relname FROM tbl t"
    "          JOIN pg_catalog.pg_inherits h ON h.inhrelid OPERATOR(pg_catalog.=) t.oid"
    "          WHERE NOT t.relispartition"
    "   UNION ALL SELECT 'n_distinct of column',"
    "          pg_catalog.concat(t.relname, '.', a.attname)"
    "     FROM tbl t JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.oid"
    "      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped"
    // PostgreSQL's own attribute options are n_distinct and n_distinct_inherited.
    "     CROSS JOIN LATERAL (SELECT EXISTS (SELECT FROM pg_catalog.unnest(a.attoptions) o"
    "            WHERE o OPERATOR(pg_catalog.~) '^n_distinct') AS n_distinct) x"
    "    WHERE n_distinct"
    "   UNION ALL SELECT CASE k.contype"
    "            WHEN 't' THEN 'constraint trigger' ELSE 'deferrable constraint' END,"
    "          pg_catalog.concat(t.relname, '.', k.conname)"
    "     FROM tbl t JOIN pg_catalog.pg_constraint k ON k.conrelid OPERATOR(pg_catalog.=) t.oid"
    "    WHERE k.contype OPERATOR(pg_catalog.=) 't' OR (k.contype IN ('p', 'u') AND "
    "k.condeferrable)"
    "   UNION ALL SELECT 'invalid index', i.relname FROM pg_catalog.pg_index x"
    "     JOIN rel i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid WHERE NOT x.indisvalid"
    "   UNION ALL SELECT CASE ty.typtype"
    "            WHEN 'r' THEN 'range type' WHEN 'm' THEN 'multirange type' ELSE 'type' END,"
    "          ty.typname::text"
    "     FROM pg_catalog.pg_type ty JOIN ns ON ty.typnamespace OPERATOR(pg_catalog.=) ns.oid"
    "    WHERE ty.typtype IN ('r', 'm', 'b', 'p')"
    "      AND ty.typcategory OPERATOR(pg_catalog.<>) 'A'"
    "   UNION ALL SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END,"
    "          pg_catalog.concat(p.proname, '(', "
    "pg_catalog.pg_get_function_identity_arguments(p.oid), ')')"
    "     FROM pg_catalog.pg_proc p JOIN ns ON p.pronamespace OPERATOR(pg_catalog.=) ns.oid"
    "    WHERE p.prokind IN ('a', 'w')"
    "   UNION ALL SELECT 'trigger', pg_catalog.concat(r.relname, '.', g.tgname)"
    "     FROM rel r JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) r.oid"
    "    WHERE NOT g.tgisinternal AND r.relkind NOT IN ('r', 'v')"
    "   UNION ALL SELECT 'policy', pg_catalog.concat(r.relname, '.', p.polname)"
    "     FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) r.oid"
    "    WHERE r.relkind OPERATOR(pg_catalog.<>) 'r'"
    "   UNION ALL SELECT 'rule', pg_catalog.concat(r.relname, '.', w.rulename)"
    "     FROM rel r JOIN pg_catalog.pg_rewrite w ON w.ev_class OPERATOR(pg_catalog.=) r.oid"
    "    WHERE w.rulename OPERATOR(pg_catalog.<>) '_RETURN'"
    "   UNION ALL SELECT 'statistics object', s.stxname::text FROM pg_catalog.pg_statistic_ext s"
    "     JOIN ns ON s.stxnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   UNION ALL SELECT 'collation', c.collname::text FROM pg_catalog.pg_collation c"
    "     JOIN ns ON c.collnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   UNION ALL SELECT 'operator', o.oprname::text FROM pg_catalog.pg_operator o"
    "     JOIN ns ON o.oprnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   UNION ALL SELECT 'operator class', c.opcname::text FROM pg_catalog.pg_opclass c"
    "     JOIN ns ON c.opcnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   UNION ALL SELECT 'text search configuration', c.cfgname::text FROM pg_catalog.pg_ts_config "
    "c"
    "     JOIN ns ON c.cfgnamespace OPERATOR(pg_catalog.=) ns.oid"
    "   UNION ALL SELECT 'conversion', c.conname::text FROM pg_catalog.pg_conversion c"
    "     JOIN ns ON c.connamespace OPERATOR(pg_catalog.=) ns.oid"
    // What the types' model leaves out.
    "   UNION ALL SELECT 'typed table', relname FROM rel WHERE reloftype OPERATOR(pg_catalog.<>) 0"
    // (comments on types and their constraints are modelled, as comments;
    // default privileges of the schema would give objects created later
    // privileges no statement of the desired schema shows).
    "   UNION ALL SELECT 'default privileges in the schema for',"
    "          pg_catalog.concat(CASE WHEN d.defaclrole OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'"
    "            ELSE pg_catalog.pg_get_userbyid(d.defaclrole) END, ' on ', d.defaclobjtype)"
    "     FROM pg_catalog.pg_default_acl d JOIN ns ON d.defaclnamespace OPERATOR(pg_catalog.=) "
    "ns.oid"
    "   ) u",
    1};
// $1 text[] of role names as quote_ident writes them. → name text: each that no
// role of the node has (generate: the roles the desired schema grants to).
inline const Sql kMissingRoles{
    "SELECT r FROM pg_catalog.unnest($1::text[]) r WHERE NOT EXISTS (SELECT FROM "
    "pg_catalog.pg_roles o WHERE pg_catalog.quote_ident(o.rolname) OPERATOR(pg_catalog.=) r) "
    "ORDER BY 1",
    1};
// $1 the scratch schema a desired schema's files ran in, $2 the reference shard,
// $3 its fingerprint as the fleet's read found it. Run in the scratch
// transaction after each file: its REPEATABLE READ snapshot shows no row that
// another transaction wrote after it began, so a row whose xmin is not older
// than the transaction's own xid (age <= 0; its subtransactions' are newer)
// was written by the files. → what text, one row per thing the files did
// outside their schema, which the rollback would hide from the plan and the
// proof: a relation outside it written, altered or locked above ACCESS SHARE
// (but the SHARE ROW EXCLUSIVE a foreign key of the schema takes on the table
// it references), an object created in another schema, a schema created,
// altered or dropped, an extension created or altered, the reference changed.
inline const Sql kOutsideScratch{
    "WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) $1)"
    " SELECT 'relation ' OPERATOR(pg_catalog.||) c.oid::pg_catalog.regclass::pg_catalog.text"
    " OPERATOR(pg_catalog.||) ' locked in ' OPERATOR(pg_catalog.||) l.mode"
    " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) "
    "l.relation"
    " WHERE " +
        kOwnRelationLocks +
        " AND l.mode OPERATOR(pg_catalog.<>) 'AccessShareLock'"
        " AND c.relnamespace NOT IN ((SELECT oid FROM s), 'pg_toast'::pg_catalog.regnamespace,"
        " pg_catalog.pg_my_temp_schema())"
        " AND NOT (l.mode OPERATOR(pg_catalog.=) 'ShareRowExclusiveLock' AND EXISTS (SELECT FROM"
        " pg_catalog.pg_constraint f WHERE f.contype OPERATOR(pg_catalog.=) 'f'"
        " AND f.connamespace OPERATOR(pg_catalog.=) (SELECT oid FROM s)"
        " AND f.confrelid OPERATOR(pg_catalog.=) c.oid))"
        " UNION ALL SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)"
        " OPERATOR(pg_catalog.||) ' created in schema '"
        " OPERATOR(pg_catalog.||) d.refobjid::pg_catalog.regnamespace::pg_catalog.text"
        " FROM pg_catalog.pg_depend d"
        " WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass"
        " AND d.refobjid OPERATOR(pg_catalog.<>) (SELECT oid FROM s)"
        " AND pg_catalog.age(d.xmin) OPERATOR(pg_catalog.<=) 0"
        " UNION ALL SELECT 'schema ' OPERATOR(pg_catalog.||) "
        "n.oid::pg_catalog.regnamespace::pg_catalog.text"
        " OPERATOR(pg_catalog.||) ' created or altered' FROM pg_catalog.pg_namespace n"
        " WHERE pg_catalog.age(n.xmin) OPERATOR(pg_catalog.<=) 0"
        " AND n.oid OPERATOR(pg_catalog.<>) (SELECT oid FROM s)"
        " UNION ALL SELECT 'a schema dropped or altered (' OPERATOR(pg_catalog.||) l.mode"
        " OPERATOR(pg_catalog.||) ')' FROM pg_catalog.pg_locks l"
        " WHERE l.locktype OPERATOR(pg_catalog.=) 'object'"
        " AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()"
        " AND l.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass"
        " AND l.objid OPERATOR(pg_catalog.<>) (SELECT oid FROM s)"
        " AND l.mode OPERATOR(pg_catalog.<>) 'AccessShareLock'"
        " UNION ALL SELECT 'extension ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(e.extname)"
        " OPERATOR(pg_catalog.||) ' created or altered' FROM pg_catalog.pg_extension e"
        " WHERE pg_catalog.age(e.xmin) OPERATOR(pg_catalog.<=) 0"
        " UNION ALL SELECT 'schema ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident($2)"
        " OPERATOR(pg_catalog.||) ', the shard compared with, changed'"
        " WHERE NOT EXISTS (SELECT FROM shoal.schema_fingerprints(ARRAY[$2]::pg_catalog.text[]) f"
        " WHERE f.fingerprint::pg_catalog.text OPERATOR(pg_catalog.=) $3)"
        " ORDER BY 1",
    3};
// ---- online versions (extension 1.8, docs/online.md) -------------------------------

// $1 schema, $2 version, $3 checksum, $4 table, $5 column, $6 new type, $7 up
// expression, $8 down expression. → text: 'expanded', 'already expanded' or
// 'already applied'.
inline const Sql kOnlineExpand{"SELECT shoal.online_expand($1, $2, $3, $4, $5, $6, $7, $8)", 8};
// $1 schema, $2 version, $3 batch rows. One batch, its cursor moved in the same
// transaction. → state text, rows_done bigint, rows_total bigint.
inline const Sql kOnlineBackfill{
    "SELECT state, rows_done, rows_total FROM shoal.online_backfill($1, $2, $3)", 3};
// $1 schema, $2 version. → bigint: rows whose new column is not up(old).
inline const Sql kOnlineMismatches{"SELECT shoal.online_mismatches($1, $2)", 2};
// $1 schema, $2 version. → text: 'applied' or 'already applied'.
inline const Sql kOnlineContract{"SELECT shoal.online_contract($1, $2)", 2};
// $1 schema, $2 version. → text: 'aborted' or 'not expanded'.
inline const Sql kOnlineAbort{"SELECT shoal.online_abort($1, $2)", 2};
// $1 schema, $2 version, $3 checksum, $4 operation (set_not_null, check,
// foreign_key), $5 table, $6 constraint name, $7 columns text[] (set_not_null,
// foreign_key), $8 definition (check: its condition; foreign_key: what it
// references). → text: 'expanded', 'already expanded' or 'already applied'.
inline const Sql kOnlineAddConstraint{
    "SELECT shoal.online_add_constraint($1, $2, $3, $4, $5, $6, $7::text[], $8)", 8};
// $1 schema, $2 version, $3 checksum, $4 table, $5 the new column, $6 its
// type, $7 its expression over the row's columns, $8 boolean: NOT NULL at the
// contract. → text: 'expanded', 'already expanded' or 'already applied'.
inline const Sql kOnlineCompute{
    "SELECT shoal.online_compute($1, $2, $3, $4, $5, $6, $7, $8::boolean)", 8};
// $1 schema, $2 version. An online constraint validated. → state text,
// rows_done bigint, rows_total bigint (as kOnlineBackfill).
inline const Sql kOnlineValidate{
    "SELECT state, rows_done, rows_total FROM shoal.online_validate($1, $2)", 2};
// $1 schema, $2 version, $3 lock_timeout ms and $4 statement_timeout ms for
// this session (the builds run alone after it, outside a transaction). → text:
// each statement still to run to build the version's indexes on its new
// column, in order.
inline const Sql kOnlineIndexBuilds{
    "SELECT b FROM pg_catalog.set_config('lock_timeout', $3, false) AS l,"
    " pg_catalog.set_config('statement_timeout', $4, false) AS s,"
    " shoal.online_index_builds($1, $2) AS b",
    4};
// No parameters. → schema, version, state, rows_done, rows_total (NULL until
// the first batch), expanded_at and updated_at as seconds since the epoch, of
// every online version between expand and contract.
inline const Sql kOnlineStates{
    "SELECT schema, version, state, rows_done, rows_total, extract(epoch FROM expanded_at),"
    " extract(epoch FROM updated_at) FROM shoal.online_state ORDER BY version, schema",
    0};

// Every statement above, for the test that checks each one's parameters.
inline const std::vector<const Sql *> kEvery{
    &kStage,
    &kMigApply,
    &kMigUndo,
    &kMigMark,
    &kMigForget,
    &kRecordFailure,
    &kStamps,
    &kLockRun,
    &kUnlockRun,
    &kJoinRun,
    &kBeginRun,
    &kEndRun,
    &kControlState,
    &kSteering,
    &kPause,
    &kResume,
    &kCancelRun,
    &kLockSchema,
    &kServerShape,
    &kRerunFingerprint,
    &kSetRerunFingerprint,
    &kSetDigest,
    &kDigest,
    &kDigestAfterRepair,
    &kSchemaFingerprints,
    &kSchemaObjects,
    &kLatestFailures,
    &kLastEvent,
    &kHistory,
    &kLastRun,
    &kRunLockHolder,
    &kCreateExtension,
    &kUpdateExtension,
    &kExtensionProbe,
    &kPgMigDigest,
    &kPgMigSchemas,
    &kIsInRecovery,
    &kBackendPid,
    &kSynchronousLevel,
    &kAtSynchronousLevel,
    &kDurableCommit,
    &kCommitProbeMark,
    &kClockMicros,
    &kSchemaNames,
    &kWaits,
    &kLockHolders,
    &kLeftoverIndexes,
    &kRunAsOwner,
    &kStepSessionSettings,
    &kSchemaSessionSettings,
    &kSchemaLocalSettings,
    &kLocalSynchronousCommit,
    &kLocalTimeouts,
    &kLocalSearchPath,
    &kCatalogReadFrame,
    &kPublicSearchPath,
    &kBegin,
    &kCommit,
    &kRollback,
    &kTraceStart,
    &kTraceElapsedMs,
    &kTraceSizes,
    &kTraceSnapshot,
    &kSchemaSnapshot,
    &kMissingRoles,
    &kOutsideScratch,
    &kBeginScratch,
    &kOnlineExpand,
    &kOnlineBackfill,
    &kOnlineMismatches,
    &kOnlineContract,
    &kOnlineAbort,
    &kOnlineStates,
    &kOnlineAddConstraint,
    &kOnlineValidate,
    &kOnlineCompute,
    &kOnlineIndexBuilds,
};

}  // namespace shoal::fleet::queries
