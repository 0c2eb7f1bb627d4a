// `shoal dump` and the reading both schema commands share. Reading is one
// query per node for the reference's choice (the stamps, then verify's
// fingerprints of the shards at head) and a few statements in one
// transaction on the reference's node, always rolled back. A dump is proven
// before it is written: its files, loaded into a scratch schema in that
// transaction, must give the shard's own fingerprint.
#include "fleet/dump.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "disk_files.h"
#include "fleet/event_loop.h"
#include "fleet/queries.h"
#include "fleet/status.h"
#include "migration_dir.h"
#include "schema_files.h"

namespace shoal::fleet {

namespace {

// A directory name no disk path has: the files live in memory only.
const char *const kInMemory = "<in memory>";

bool chain_complete(const SchemaState &state, const std::vector<const Version *> &chain) {
    if (state.applied.size() != chain.size()) return false;
    for (size_t i = 0; i < chain.size(); ++i)
        if (state.applied[i].name != chain[i]->name) return false;
    return true;
}

}  // namespace

std::optional<Reference> choose_reference(const std::vector<Node *> &nodes, const MigrationDir &dir,
                                          const std::string &prefix, const std::string &wanted,
                                          std::string &error) {
    if (!wanted.empty()) {
        for (Node *node : nodes)
            for (const SchemaState &state : node->state.schemas)
                if (state.schema == wanted) return Reference{node, wanted, "", {}};
        error = "no node has schema " + wanted;
        return std::nullopt;
    }
    std::vector<std::vector<std::string>> at_head(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const SchemaState &state : nodes[i]->state.schemas) {
            const auto chain = chain_for_schema(dir, state.schema);
            if (state.problem.empty() && !chain.empty() && chain.front()->prefix == prefix &&
                chain_complete(state, chain))
                at_head[i].push_back(state.schema);
        }
    std::vector<Batch> batches;
    for (const auto &names : at_head)
        batches.push_back({Query{queries::kSchemaFingerprints.text, {text_array(names)}}});
    auto outcomes = exchange(controls(nodes), std::move(batches));
    std::map<std::string, std::vector<std::pair<Node *, std::string>>> by_fingerprint;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (outcomes[i].error) {
            error = nodes[i]->spec.display + ": " + outcomes[i].error->to_string();
            return std::nullopt;
        }
        for (const auto &row : outcomes[i].results.at(0).rows)
            by_fingerprint[row.at(1).value_or("")].emplace_back(nodes[i], row.at(0).value_or(""));
    }
    if (by_fingerprint.empty()) {
        error = "no schema of prefix " + prefix +
                " is at head (has every version of its chain): apply first, or name one with "
                "--schema";
        return std::nullopt;
    }
    auto majority = by_fingerprint.begin();  // ties: the smaller fingerprint, as verify
    for (auto it = by_fingerprint.begin(); it != by_fingerprint.end(); ++it)
        if (it->second.size() > majority->second.size()) majority = it;
    Reference reference{
        majority->second.front().first, majority->second.front().second, majority->first, {}};
    for (const auto &[fingerprint, schemas] : by_fingerprint)
        if (fingerprint != majority->first)
            for (const auto &[node, schema] : schemas)
                reference.drifted.push_back(node->spec.display + ":" + schema);
    return reference;
}

Outcome Scratch::send(Batch batch) {
    return exchange({node_.control.get()}, {std::move(batch)}).at(0);
}

std::optional<DbError> Scratch::begin() { return send({Query{queries::kBeginScratch.text}}).error; }

std::optional<DbError> Scratch::create_schema(const std::string &name) {
    return send({Query{"CREATE SCHEMA " + node_.control->quote_ident(name)}}).error;
}

std::optional<Scratch::Failure> Scratch::run(const std::string &schema,
                                             const std::vector<std::string> &statements) {
    Batch batch{Query{queries::kLocalSearchPath.text, {node_.control->quote_ident(schema)}}};
    for (const std::string &statement : statements) batch.push_back(Query{statement});
    Outcome outcome = send(std::move(batch));
    if (!outcome.error) return std::nullopt;
    // Results come for the statements that ran; the first is the search_path.
    const size_t ran = outcome.results.size();
    return Failure{ran > 0 ? ran - 1 : 0, *outcome.error};
}

std::optional<SchemaModel> Scratch::model(const std::string &schema, std::string &error) {
    Outcome outcome =
        send({Query{queries::kCatalogReadFrame.text, {node_.control->quote_ident(schema)}},
              Query{queries::kSchemaSnapshot.text, {schema}}});
    if (outcome.error) {
        error = "reading " + schema + ": " + outcome.error->to_string();
        return std::nullopt;
    }
    // pg_get_indexdef qualifies the table whatever the search_path (ON ONLY
    // it, a partitioned table's): the one place where the schema's own name is
    // taken out here.
    const auto unqualified = [&](std::string definition) {
        for (const std::string on : {" ON ", " ON ONLY "}) {
            const std::string qualified = on + quote_identifier(schema) + ".";
            const size_t at = definition.find(qualified);
            if (at == std::string::npos) continue;
            definition.replace(at, qualified.size(), on);
            break;
        }
        return definition;
    };
    std::vector<CatalogRow> rows;
    for (const auto &row : outcome.results.at(1).rows) {
        CatalogRow out{row.at(0).value_or(""),
                       row.at(1).value_or(""),
                       row.at(2).value_or(""),
                       row.at(3).value_or(""),
                       {}};
        for (size_t i = 4; i < row.size(); ++i) out.details.push_back(row[i].value_or(""));
        if (out.kind == "index") out.definition = unqualified(out.definition);
        if (out.kind == "constraint" && out.details.size() > 1)
            out.details[1] = unqualified(out.details[1]);
        // pg_get_triggerdef qualifies the table, pg_get_functiondef the routine, always.
        if (out.kind == "trigger") out.definition = unqualified(out.definition);
        if (out.kind == "routine")
            for (const std::string head :
                 {"CREATE OR REPLACE FUNCTION ", "CREATE OR REPLACE PROCEDURE "})
                if (out.definition.rfind(head + quote_identifier(schema) + ".", 0) == 0)
                    out.definition.erase(head.size(), quote_identifier(schema).size() + 1);
        rows.push_back(std::move(out));
    }
    return build_model(rows);
}

std::optional<std::string> Scratch::fingerprint(const std::string &schema, std::string &error) {
    Outcome outcome = send({Query{queries::kSchemaFingerprints.text, {text_array({schema})}}});
    if (outcome.error || outcome.results.at(0).empty()) {
        error = "fingerprint of " + schema + ": " +
                (outcome.error ? outcome.error->to_string() : "no such schema");
        return std::nullopt;
    }
    return outcome.results.at(0).value(0, 1);
}

std::vector<SchemaObject> Scratch::objects(const std::string &schema, std::string &error) {
    Outcome outcome = send({Query{queries::kSchemaObjects.text, {text_array({schema})}}});
    std::vector<SchemaObject> objects;
    if (outcome.error) {
        error = outcome.error->to_string();
        return objects;
    }
    for (const auto &row : outcome.results.at(0).rows)
        objects.push_back(
            SchemaObject{row.at(1).value_or(""), row.at(2).value_or(""), row.at(3).value_or("")});
    return objects;
}

std::vector<std::string> Scratch::outside(const std::string &schema, const Reference &reference,
                                          std::string &error) {
    // search_path as the files left it would name objects from wherever it points.
    Outcome outcome = send(
        {Query{queries::kCatalogReadFrame.text, {node_.control->quote_ident(schema)}},
         Query{queries::kOutsideScratch.text, {schema, reference.schema, reference.fingerprint}}});
    std::vector<std::string> lines;
    if (outcome.error) error = outcome.error->to_string();
    if (!outcome.error)
        for (const auto &row : outcome.results.at(1).rows) lines.push_back(row.at(0).value_or(""));
    return lines;
}

void Scratch::roll_back() {
    Connection &control = *node_.control;
    if (control.state() == Connection::State::Idle && control.transaction_status() != PQTRANS_IDLE)
        send({Query{queries::kRollback.text}});
}

std::vector<std::string> statements_of_files(const std::map<std::string, std::string> &files,
                                             std::vector<std::string> &problems) {
    std::map<std::string, std::string> added;
    for (const auto &[name, text] : files)
        added[(std::filesystem::path(kInMemory) / name).string()] = text;
    const DiskFiles disk;
    const SchemaDirLoad loaded = load_schema_dir(kInMemory, FilesWithAdded(disk, added));
    for (const Problem &problem : loaded.problems) problems.push_back(format_problem(problem));
    std::vector<std::string> statements;
    for (const Script &script : loaded.files)
        for (const Statement &statement : script.statements) statements.push_back(statement.sql);
    return statements;
}

ExitCode open_fleet(const Config &config, std::vector<Node> &nodes) {
    if (config.json) {
        std::cerr << "shoal: " << command_name(config.command) << " has no --json output yet\n";
        return ExitCode::Usage;
    }
    bool complete = true;
    std::vector<std::string> standbys;
    nodes = open_nodes(config, complete, standbys);
    if (nodes.empty()) return ExitCode::Usage;  // only standbys: said already
    // A node left out could hold the shards that differ: the answer would be partial.
    if (!complete) return left_out_code(nodes);
    if (!read_stamps(usable_nodes(nodes))) {
        for (const Node &node : nodes)
            if (!node.usable)
                std::cerr << "shoal: " << node.spec.display << ": " << node.problem << "\n";
        return ExitCode::Unreachable;
    }
    return ExitCode::Ok;
}

int command_dump(const Config &config, const MigrationDir &dir) {
    const std::string out = config.dump_out.empty() ? config.schema_dir : config.dump_out;
    std::error_code ignored;
    if (std::filesystem::exists(out) && !std::filesystem::is_empty(out, ignored)) {
        std::cerr << "shoal dump: " << out
                  << " exists and is not empty: dump writes a fresh directory (move it away, or "
                     "write elsewhere with --out DIR)\n";
        return to_int(ExitCode::Usage);
    }
    std::string prefix;
    if (config.dump_schema.empty()) {
        std::vector<std::string> shard_prefixes;
        for (const std::string &p : prefixes(dir))
            if (p != "public") shard_prefixes.push_back(p);
        if (shard_prefixes.size() != 1) {
            std::cerr << "shoal dump: the directory's shard prefixes are "
                      << (shard_prefixes.empty() ? std::string("none") : join(shard_prefixes, ", "))
                      << ": name the shard to dump with --schema SCHEMA\n";
            return to_int(ExitCode::Usage);
        }
        prefix = shard_prefixes.front();
    }
    std::vector<Node> nodes;
    if (const ExitCode opened = open_fleet(config, nodes); opened != ExitCode::Ok)
        return to_int(opened);
    std::string error;
    const std::optional<Reference> reference =
        choose_reference(usable_nodes(nodes), dir, prefix, config.dump_schema, error);
    if (!reference) {
        std::cerr << "shoal dump: " << error << "\n";
        return to_int(ExitCode::BadMigrations);
    }
    for (const std::string &drifted : reference->drifted)
        std::cerr << "shoal dump: warning: " << drifted
                  << " is at head but differs from the majority (shoal verify says how); "
                     "not dumped\n";
    const std::string source = reference->node->spec.display + ":" + reference->schema;
    Scratch scratch(*reference->node);
    std::optional<SchemaModel> model;
    if (auto failed = scratch.begin()) error = failed->to_string();
    if (error.empty()) model = scratch.model(reference->schema, error);
    if (!model) {
        std::cerr << "shoal dump: " << source << ": " << error << "\n";
        return to_int(ExitCode::Unreachable);
    }
    std::vector<std::string> blocked;
    const std::map<std::string, std::string> files = dump_files(*model, blocked);
    if (!blocked.empty()) {
        std::cerr << "shoal dump: " << source
                  << " holds objects of kinds shoal does not model yet (docs/generate.md); "
                     "nothing written:\n";
        for (const std::string &line : blocked) std::cerr << "  " << line << "\n";
        return to_int(ExitCode::BadMigrations);
    }
    // Proven before written: the files rebuild the shard exactly.
    std::vector<std::string> problems;
    const std::vector<std::string> statements = statements_of_files(files, problems);
    const std::string copy = "shoal_dump_copy";
    std::optional<std::string> original, rebuilt;
    if (problems.empty()) {
        if (auto failed = scratch.create_schema(copy))
            problems.push_back(failed->to_string());
        else if (auto run = scratch.run(copy, statements))
            problems.push_back(statements.at(run->index) + ": " + run->error.to_string());
        else if ((original = scratch.fingerprint(reference->schema, error)) &&
                 (rebuilt = scratch.fingerprint(copy, error)) && *original != *rebuilt)
            problems = describe_differences(scratch.objects(reference->schema, error),
                                            scratch.objects(copy, error));
        // What the fingerprint does not see whole, the models compare.
        if (problems.empty() && error.empty())
            if (const auto copied = scratch.model(copy, error))
                problems = unfingerprinted_differences(*model, *copied);
        if (!error.empty()) problems.push_back(error);
    }
    scratch.roll_back();
    if (!problems.empty()) {
        std::cerr << "shoal dump: the files would not rebuild " << source
                  << " exactly (a bug in shoal: please report it); nothing written:\n";
        for (const std::string &problem : problems) std::cerr << "  " << problem << "\n";
        return to_int(ExitCode::Internal);
    }
    std::filesystem::create_directories(out, ignored);
    for (const auto &[name, text] : files) {
        const std::string path = (std::filesystem::path(out) / name).string();
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file << text;
        file.close();
        if (!file) {
            std::cerr << "shoal dump: cannot write " << path << "\n";
            return to_int(ExitCode::Usage);
        }
    }
    std::cout << "Wrote " << files.size() << (files.size() == 1 ? " file" : " files") << " to "
              << out << " from " << source << "\n";
    return to_int(ExitCode::Ok);
}

}  // namespace shoal::fleet
