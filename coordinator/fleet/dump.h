// `shoal dump`, and what it shares with `shoal generate`: choosing the
// reference shard (one at head; the shards at head that differ from the
// majority are named, never planned from), reading a schema's catalog
// snapshot into the model (coordinator/schema_model.h), and the scratch
// transaction on the reference's node in which desired schemas are loaded,
// copies rebuilt and versions proven, always rolled back. docs/generate.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "fleet/node.h"
#include "migration.h"
#include "schema_model.h"
#include "../verify.h"  // the core's: a bare "verify.h" finds fleet/verify.h beside this file

namespace shoal::fleet {

struct Reference {
    Node *node = nullptr;
    std::string schema;
    std::string fingerprint;           // verify's, as read before the scratch transaction
    std::vector<std::string> drifted;  // "node:schema" at head with another structure
};

// The shard of `prefix` to read: `wanted` when given (on the first node that
// has it), else a schema whose stamp is the whole chain of its prefix and
// whose fingerprint is the majority's among such schemas (ties: the smaller
// fingerprint; then the first schema in name order, fleet order). "" error
// when found, else why not.
std::optional<Reference> choose_reference(const std::vector<Node *> &nodes, const MigrationDir &dir,
                                          const std::string &prefix, const std::string &wanted,
                                          std::string &error);

// One transaction on a node's control connection, rolled back by
// roll_back() or the destructor, whatever happened: every scratch schema in
// it, and all it ran, vanish.
class Scratch {
  public:
    explicit Scratch(Node &node) : node_(node) {}
    ~Scratch() { roll_back(); }
    Scratch(const Scratch &) = delete;
    Scratch &operator=(const Scratch &) = delete;

    std::optional<DbError> begin();
    // Creates schema `name` (empty).
    std::optional<DbError> create_schema(const std::string &name);
    // Runs `statements` one after the other with search_path = `schema`; the
    // first error and the index of the statement that raised it.
    struct Failure {
        size_t index = 0;
        DbError error;
    };
    std::optional<Failure> run(const std::string &schema,
                               const std::vector<std::string> &statements);
    // The model of `schema` as its catalog snapshot says (search_path = it).
    std::optional<SchemaModel> model(const std::string &schema, std::string &error);
    // verify's fingerprint of `schema`, and its object rows (for naming what differs).
    std::optional<std::string> fingerprint(const std::string &schema, std::string &error);
    std::vector<SchemaObject> objects(const std::string &schema, std::string &error);
    // What the statements run so far did outside `schema`, the scratch schema
    // they ran in, or to `reference` (which had `fingerprint`): one line each
    // (queries::kOutsideScratch), none when they kept to `schema`.
    std::vector<std::string> outside(const std::string &schema, const Reference &reference,
                                     std::string &error);
    void roll_back();

  private:
    Node &node_;
    Outcome send(Batch batch);
};

// The statements of `files` (name → SQL, as dump_files writes them), loaded
// as the desired schema is, in name order; problems when they do not load.
std::vector<std::string> statements_of_files(const std::map<std::string, std::string> &files,
                                             std::vector<std::string> &problems);

// Opens the fleet for dump and generate: every node usable, stamps read.
// Prints why not and returns the exit code (Ok when the nodes are usable).
ExitCode open_fleet(const Config &config, std::vector<Node> &nodes);

int command_dump(const Config &config, const MigrationDir &dir);

}  // namespace shoal::fleet
