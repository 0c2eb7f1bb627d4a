// What a migration directory is once loaded, resolved and split: the input of the
// planner and of the bundle staged on each node. Pure data, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace shoal {

// A place in a migration file, for every message a user reads.
struct SourceLocation {
    std::string file;  // path as the user would type it (relative to the migration dir's parent)
    int line = 0;      // 1-based; 0 when the problem concerns the whole file
};

std::string to_string(const SourceLocation &where);  // "file:line" or "file"

// `where` as a node stores it (staged locations, recorded failures): "file:line"
// with the file relative to the migration directory `dir`, so the directory
// read from any path (another checkout, CI workspace, symbolic link) stages the
// same text. A file the directory reaches only through the root (an include
// by absolute path) keeps its absolute name, which is the same from anywhere.
std::string stored_location(const std::string &dir, const SourceLocation &where);

// A problem found while loading; loading reports all of them at once.
struct Problem {
    SourceLocation where;
    std::string message;
};

// Per-version settings from `-- $name=value` comments. A value of -1 means
// "not set": the run's default applies.
struct Directives {
    int parallelism_per_host = -1;
    int parallelism_global = -1;
    int delay_ms = -1;
    bool run_alone = false;
    int lock_timeout_ms = -1;
    int statement_timeout_ms = -1;
    int retries = -1;
    int retry_for_ms = -1;
};

// An online version's declaration (online_change.h, docs/online.md): a column's type
// changed in phases (expand, backfill, contract) instead of one ALTER TABLE.
struct OnlineChange {
    SourceLocation where;                   // the `-- shoal $online=` line
    std::string operation = "column_type";  // or set_not_null, check, foreign_key, computed_column
    std::string table;
    std::string column;  // foreign_key: its columns, comma separated; computed_column: the new one
    std::string type;    // the new type, as SQL
    std::string up;      // old -> new, an expression over the column's name
                         // (computed_column: over the row's columns)
    std::string down;    // new -> old, the same
    std::string constraint_name;  // set_not_null, check, foreign_key
    std::string definition;       // check: its condition; foreign_key: what it references
    bool not_null = false;        // computed_column: NOT NULL at the contract
    int batch_rows = 1000;
    int batch_delay_ms = 0;
};

// One SQL statement of a resolved script, with where it came from (an included
// file's own name and line when it came through \i / \ir).
struct Statement {
    std::string
        sql;  // from its first token (the comments before it are not part of it) to before its ';'
    SourceLocation where;
    bool nontransactional = false;  // cannot run inside a transaction block
    // CREATE INDEX CONCURRENTLY: the index name as written, without a schema
    // ("" for any other statement or an unnamed index), and whether it says IF
    // NOT EXISTS. A retry must drop what an interrupted attempt left of it.
    std::string concurrent_index{};
    bool concurrent_index_if_not_exists = false;
};

// One resolved file: up, dn, before.sql or after.sql.
struct Script {
    std::string path;    // the file as named in the directory
    std::string body;    // resolved text (includes and variables expanded)
    std::string source;  // the file's bytes as read (pg-mig hashes before.sql's and after.sql's)
    std::vector<Statement> statements;  // body split by PostgreSQL's own parser
    // SHA-256 hex of what the files say: the body, with every value \getenv
    // read replaced by the variable's name. Values are configuration: another
    // DEPLOY_REGION is the same version (and no stamp holds a hash of a secret).
    // Without \getenv it is the SHA-256 of the body itself.
    std::string checksum;
    // SHA-256 hex of the body with the values, the checksum an earlier shoal
    // computed: a stamp it wrote that holds this ran the version with today's
    // values. Empty when it equals `checksum`.
    std::string checksum_with_values;
    Directives directives;
    bool solo = false;  // holds nontransactional statements: runs outside a transaction
    // Where the statements that run in the transaction recording the version
    // begin: 0 for a plain version (all of them, with mig_apply); for a solo
    // version, statements.size() when it is only its solo part, or, in pg-mig's
    // form `COMMIT; … BEGIN; …`, the first statement after that BEGIN. A solo
    // version runs statements [0, transaction_from) one by one outside a
    // transaction, then [transaction_from, end) in one transaction with its
    // mig_mark (mig_forget for undo), as pg-mig runs them with its stamp.
    std::size_t transaction_from = 0;
    // Values \getenv put into the body (resolve.h), masked wherever it is staged.
    std::vector<std::string> secrets;
    std::optional<OnlineChange> online;  // an online version's up script (online_change.h)

    // Whether the statements hold what the environment gave (a value, or a
    // default an unset variable left): the coordinator runs such a script from
    // its own copy, never from shoal.script, where it is masked and where one
    // checksum stands for every environment's statements.
    bool from_environment() const { return !secrets.empty() || !checksum_with_values.empty(); }
};

// TIMESTAMP.title.prefix, with its up and dn scripts.
struct Version {
    std::string name;       // "20241107201239.add-users.sh"
    std::string timestamp;  // "20241107201239"
    std::string title;      // "add-users"
    std::string prefix;     // "sh"
    Script up;
    Script dn;
};

struct MigrationDir {
    std::string path;
    std::vector<Version> versions;  // sorted by name
    std::optional<Script> before;
    std::optional<Script> after;
};

// The version named `name` (a version name, or a file name that starts with
// one, e.g. "20241107201239.add-users.sh.up.sql", as pg-mig accepts), or null.
const Version *find_version(const MigrationDir &dir, const std::string &name);

// The distinct schema prefixes of the directory, longest first.
std::vector<std::string> prefixes(const MigrationDir &dir);

}  // namespace shoal
