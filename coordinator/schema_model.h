// One shard's structure as `shoal dump` and `shoal generate` model it, built
// from the rows of the catalog snapshot (fleet/dump.h reads them with
// search_path set to exactly that schema, so every definition names the
// schema's own objects unqualified and other schemas' objects qualified), and
// written back as canonical SQL. Modelled: tables (partitioned tables and
// their partitions too) with their columns (type,
// collation, NOT NULL, default, identity, stored generated expression),
// constraints (primary key, unique, check, foreign key, exclusion), indexes,
// sequences, enums, domains and composite types, functions and procedures,
// views and materialized views, triggers on tables and views, comments, row
// level security and policies. Every other object the snapshot finds is kept
// as an Unmodelled entry, by kind and name, so that no command can drop or
// ignore it in silence. Pure: no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shoal {

// One row of the catalog snapshot (fleet/queries.h kSchemaSnapshot). Names are
// raw (unquoted); definitions are PostgreSQL's own text.
struct CatalogRow {
    std::string kind;  // table, column, constraint, index, sequence, unmodelled
    std::string table;
    std::string name;
    std::string definition;
    std::vector<std::string> details;  // per kind, see build_model
};

struct Column {
    std::string name;
    std::string type;       // format_type
    std::string collation;  // "" or the quoted collation name, when not the type's
    bool not_null = false;
    std::string default_expr;  // pg_get_expr of the default, "" when none
    char identity = 0;         // 'a' ALWAYS, 'd' BY DEFAULT, 0 none
    std::string generated;     // the stored generated expression, "" when none
    // Storage, none of which rewrites the table when it changes, and none of
    // which operator== compares (storage_differences() does): a table's
    // column only.
    std::string storage = {};       // PLAIN, EXTERNAL, EXTENDED or MAIN; "" when the type's
    std::string type_storage = {};  // the type's, known when the column has a column options row
    std::string compression = {};   // pglz or lz4, "" for the default
    int statistics = -1;            // the statistics target, -1 for the default

    bool operator==(const Column &other) const;
};

struct Table {
    std::string name;
    std::vector<Column> columns;  // in attnum order (a partition's are its table's: none)

    const Column *column(const std::string &name) const;

    std::string partition_key = {};  // pg_get_partkeydef ("RANGE (day)"), "" when not partitioned
    std::string parent = {};         // a partition's partitioned table, "" when not a partition
    std::string bound = {};          // a partition's: "FOR VALUES FROM (…) TO (…)", "DEFAULT"
    // Storage parameters, "name=value", in their array's order, then the
    // TOAST table's as "toast.name=value".
    std::vector<std::string> options = {};
};

struct Constraint {
    std::string table;
    std::string name;
    char type = 'c';  // 'p' primary key, 'u' unique, 'c' check, 'f' foreign key, 'x' exclusion
    std::string definition;        // pg_get_constraintdef (ends with NOT VALID when not validated)
    std::string index_definition;  // 'p' and 'u': pg_get_indexdef of its index

    bool validated() const;

    // A partition's key attached to its partitioned table's key `parent`
    // (it comes and goes with it), "" otherwise.
    std::string parent = {};
};

struct Index {
    std::string table;
    std::string name;
    std::string definition;  // pg_get_indexdef: CREATE [UNIQUE ]INDEX name ON [ONLY ]table USING …
    // A partition's index attached to its partitioned table's index `parent`
    // (it comes and goes with it), "" otherwise.
    std::string parent = {};
};

struct Sequence {
    std::string name;
    std::string definition;                 // AS type INCREMENT BY … CACHE … [NO ]CYCLE
    std::string owned_table, owned_column;  // OWNED BY, "" when none
};

// ---- types: enums, domains, composite types ----

struct EnumType {
    std::string name;
    std::vector<std::string> labels;  // in their sort order
};

struct DomainConstraint {
    std::string name;
    std::string definition;  // pg_get_constraintdef: CHECK (…) [NOT VALID]

    bool validated() const;
};

struct Domain {
    std::string name;
    std::string base_type;     // format_type of the base type with its modifier
    std::string collation;     // "" or the quoted collation name, when not the base type's
    std::string default_expr;  // pg_get_expr of the default, "" when none
    bool not_null = false;
    std::vector<DomainConstraint> constraints;  // by name
};

struct CompositeType {
    std::string name;
    std::vector<Column> attributes;  // in order; name, type and collation only
};

// An object of a kind the model does not hold ("view", "function", "trigger",
// "comment", …), named as people read it.
struct Unmodelled {
    std::string kind;
    std::string name;
};

// A function or procedure. Its signature is what DROP names and what
// overloads differ by; CREATE OR REPLACE keeps it when `fixed` is unchanged.
struct Routine {
    std::string signature;   // name(argument types), regprocedure's text
    char kind = 'f';         // 'f' function, 'p' procedure
    std::string definition;  // pg_get_functiondef: CREATE OR REPLACE FUNCTION name(…) …
    std::string fixed;       // arguments with names and defaults, and the result
    // Created after the tables: it depends on them (or their row types), or its
    // body is SQL text, which PostgreSQL checks when it is created.
    bool after_tables = false;

    std::string drop_sql() const;
};

struct Trigger {
    std::string table;
    std::string name;
    std::string definition;  // pg_get_triggerdef
    std::string function;    // the signature of the routine it executes
};

// COMMENT ON `target` IS `text`.
struct Comment {
    std::string target;  // "TABLE users", "COLUMN users.email", "FUNCTION f(integer)", …
    std::string text;    // a literal, quote_literal's
};

// A table whose row level security is enabled or forced.
struct RowSecurity {
    std::string table;
    bool enabled = false, forced = false;
};

struct Policy {
    std::string table;
    std::string name;
    std::string kind;                    // PERMISSIVE or RESTRICTIVE
    std::string command;                 // ALL, SELECT, INSERT, UPDATE or DELETE
    std::string roles;                   // "PUBLIC", "a, b": as TO lists them
    std::string using_expr, check_expr;  // "" when none

    bool operator==(const Policy &other) const;
    std::string create_sql() const;
};

// A view or materialized view.
struct View {
    std::string name;
    char kind = 'v';                     // 'v' view, 'm' materialized view
    std::string query;                   // pg_get_viewdef
    std::vector<std::string> columns;    // "name type", in order
    std::string options;                 // reloptions ("security_barrier=true, …"), "" none
    std::vector<std::string> relations;  // tables and views of the schema it reads
    std::vector<std::string> routines;   // signatures of the schema's routines it calls

    bool operator==(const View &other) const;
    std::string create_sql() const;
    std::string drop_sql() const;
};

// A privilege that differs from what its object has by default: the owner's
// own privileges (implicit, never written) and PUBLIC's defaults (EXECUTE on
// routines, USAGE on types).
struct Grant {
    std::string target;     // as GRANT names the object: "TABLE users" (a view too),
                            // "SEQUENCE s", "FUNCTION f(integer)", "PROCEDURE p()", "TYPE t"
    std::string column;     // the quoted column, "" for the object itself
    std::string grantee;    // the quoted role, or PUBLIC
    std::string privilege;  // SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES,
                            // TRIGGER, USAGE, EXECUTE
    int level = 0;          // 0 none, 1 granted, 2 with grant option
    int default_level = 0;  // the same for the object as it is created

    // The object, the column, the role and the privilege.
    std::string key() const;
};

struct SchemaModel {
    std::vector<Table> tables;              // by name
    std::vector<Constraint> constraints;    // by table, then name
    std::vector<Index> indexes;             // by name
    std::vector<Sequence> sequences;        // by name
    std::vector<Unmodelled> unmodelled;     // by kind, then name
    std::vector<Routine> routines;          // by signature
    std::vector<Trigger> triggers;          // by table, then name
    std::vector<Comment> comments;          // by target
    std::vector<RowSecurity> row_security;  // by table
    std::vector<Policy> policies;           // by table, then name
    std::vector<View> views;                // by name

    const Table *table(const std::string &name) const;
    const Constraint *constraint(const std::string &table, const std::string &name) const;
    const Index *index(const std::string &name) const;
    const Sequence *sequence(const std::string &name) const;
    const Routine *routine(const std::string &signature) const;
    const Trigger *trigger(const std::string &table, const std::string &name) const;
    const Comment *comment(const std::string &target) const;
    RowSecurity row_security_of(const std::string &table) const;
    const Policy *policy(const std::string &table, const std::string &name) const;
    const View *view(const std::string &name) const;

    std::vector<EnumType> enums;            // by name
    std::vector<Domain> domains;            // by name
    std::vector<CompositeType> composites;  // by name

    const EnumType *enum_type(const std::string &name) const;
    const Domain *domain(const std::string &name) const;
    const CompositeType *composite(const std::string &name) const;

    std::vector<Grant> grants = {};  // by key

    const Grant *grant(const std::string &key) const;
};

// The model of a snapshot's rows (any order). Details per kind:
//   table:      partition_key, parent, bound
//   index:      parent
//   column:     type is `definition`; collation, not_null (t/f), default,
//               identity (a/d/""), generated, position (attnum)
//   table options: `definition` holds the storage parameters, one a line
//   column options: storage, the type's storage, compression, statistics target
//   constraint: type (p/u/c/f), index_definition, parent
//   sequence:   owned_table, owned_column
//   unmodelled: `table` is the kind, `name` the object
//   enum label: `table` is the enum, `name` the label; position
//   domain:     base type is `definition`; collation, not_null (t/f), default
//   domain constraint: `table` is the domain
//   composite type, and its attributes as `attribute` rows laid out as columns
//   routine:    kind (f/p), fixed, after_tables (t/f)
//   trigger:    function
//   comment:    `name` is the target, `definition` the text
//   row security: enabled (t/f), forced (t/f)
//   policy:     `definition` is PERMISSIVE or RESTRICTIVE; command, roles,
//               using, check
//   grant:      `table` is the target, `name` the grantee, `definition` the
//               privilege; column, level, default level
//   view:       `definition` is the query; kind (v/m), columns and
//               relations and routines (each separated by "\n"), options
SchemaModel build_model(const std::vector<CatalogRow> &rows);

// ---- partitioned tables and partitions ----

// CREATE TABLE … PARTITION OF … FOR VALUES … (or DEFAULT).
std::string create_partition_sql(const Table &partition);
// ALTER INDEX `index` ATTACH PARTITION for each partition's index attached to it.
std::vector<std::string> attach_index_partitions_sql(const SchemaModel &model,
                                                     const std::string &index);
// Every statement that creates partitioned table `root` as `model` has it,
// names included: the table (its valid checks inline), its partitions, their
// keys and indexes, then its own keys and indexes created ON ONLY it with the
// partitions' attached to them (PostgreSQL would name the partitions' own
// otherwise), its other constraints but foreign keys, its owned sequences.
std::vector<std::string> create_partitioned_table_sql(const SchemaModel &model, const Table &root);

// `name` as PostgreSQL's quote_ident writes it: unquoted when it is a plain
// lower-case identifier that is not a reserved word, else in double quotes.
std::string quote_identifier(const std::string &name);

// SQL pieces shared by dump and generate, each one statement without the ';'.
// ALTER TABLE … SET (storage parameters), and per column ALTER COLUMN … SET
// STORAGE, SET COMPRESSION, SET STATISTICS: what CREATE TABLE does not say.
std::vector<std::string> table_options_sql(const Table &table);
std::vector<std::string> column_options_sql(const std::string &table, const Column &column);
// ALTER TABLE … SET (options), each "name=value".
std::string set_options_sql(const std::string &table, const std::vector<std::string> &options);
// The storage of `column` (of a table, or new: all default), its type's when
// not set; `other` is the same column on the other side of a comparison,
// which knows its type's storage when `column` has no column options row.
std::string effective_storage(const Column &column, const Column &other);
std::string column_sql(const Column &column);
// CREATE TABLE with its columns and the constraints that belong inside it
// (primary key, unique, check; validated ones only; a partitioned table's
// checks only, then PARTITION BY its key).
std::string create_table_sql(const SchemaModel &model, const Table &table);
// What creates `table` with its constraints but foreign keys, its indexes and
// its sequences' ownership: dump's table file, generate's new table. A
// partitioned table's has its partitions (create_partitioned_table_sql); a
// partition's alone is CREATE TABLE … PARTITION OF, with what is its own.
std::vector<std::string> create_table_statements(const SchemaModel &model, const Table &table);
// Whether create_table_sql writes `constraint` inside its table's CREATE TABLE.
bool inline_constraint(const Constraint &constraint);
std::string add_constraint_sql(const Constraint &constraint);
std::string create_sequence_sql(const Sequence &sequence);
std::string sequence_owner_sql(const Sequence &sequence);

// `shoal dump`'s files, name → text, in the order they load: sequences, one
// file per table (with its constraints, indexes and owned sequences), then the
// foreign keys, which may name any table. Deterministic; free of the schema's
// name. Refused (empty, with `blocked` filled) when the model holds anything
// unmodelled: a dump that left an object out would read as "drop it".
std::map<std::string, std::string> dump_files(const SchemaModel &model,
                                              std::vector<std::string> &blocked);

// "view v1", "function f(integer)", …, one line per unmodelled object.
std::vector<std::string> unmodelled_lines(const SchemaModel &model);

// ---- types: enums, domains, composite types ----

// CREATE TYPE … AS ENUM / CREATE DOMAIN (its valid constraints; the others
// follow with add_domain_constraint_sql) / CREATE TYPE … AS (…), under `name`.
std::string create_enum_sql(const EnumType &type, const std::string &name);
std::string create_domain_sql(const Domain &domain, const std::string &name);
std::string add_domain_constraint_sql(const Domain &domain, const DomainConstraint &constraint);
std::string create_composite_sql(const CompositeType &type, const std::string &name);
// Every statement that creates the model's types, in the order they load:
// enums, domains, composite types (each kind by name).
std::vector<std::string> create_types_sql(const SchemaModel &model);

// The views of `model`, each after the views it reads, else by name.
std::vector<const View *> views_in_order(const SchemaModel &model);

// ALTER TABLE … ENABLE/DISABLE ROW LEVEL SECURITY (`forced`: [NO] FORCE).
std::string row_security_sql(const std::string &table, bool forced, bool on);

// The roles `model` grants privileges to (quoted, PUBLIC left out), each once, sorted.
std::vector<std::string> granted_roles(const SchemaModel &model);

// GRANT or REVOKE that takes `grant`'s privilege from level `from` to `to`
// (0 none, 1 granted, 2 with grant option); "" when they are equal.
std::string grant_sql(const Grant &grant, int from, int to);

// COMMENT ON target IS text, or IS NULL when `comment` is null.
std::string comment_sql(const std::string &target, const Comment *comment);

// What differs between two models in the kinds verify's fingerprint does not
// see whole (a routine's argument defaults, cost, SQL-standard body; comments;
// a domain's collation, the order of a composite type's attributes; column
// storage, compression, statistics targets, TOAST storage parameters;
// privileges), one line
// each: the proofs of generate and dump compare these besides the fingerprint.
// A type that differs is one "expected: CREATE …" line and one "found: …".
std::vector<std::string> unfingerprinted_differences(const SchemaModel &expected,
                                                     const SchemaModel &got);

}  // namespace shoal
