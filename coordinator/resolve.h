// Resolution of the psql subset shoal supports in migration files: \i, \ir
// (and their long names \include, \include_relative), \set, \unset, \getenv,
// \echo, and :var, :'var', :"var" interpolation outside quotes and comments.
// Any other meta-command, and any backtick, is a problem naming file:line.
// Reads files only through SourceFiles; produces text, never runs it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "migration.h"
#include "source_files.h"

namespace shoal {

struct Resolved {
    std::string body;                   // resolved text
    std::vector<SourceLocation> lines;  // origin of each line of `body` (index 0 = line 1)
    std::vector<size_t> line_starts;    // byte offset in `body` where each line starts
    // What \getenv values put into `body`, each as read and as interpolated
    // (quoted); never stored or printed: see mask_secrets().
    std::vector<std::string> secrets;
    bool reads_environment = false;  // a \getenv ran, whatever it found
    std::vector<Problem> problems;
};

// Resolves `path`. `cwd` is the directory plain \i is relative to (psql runs
// with the migration directory as its working directory under pg-mig); \ir is
// relative to the including file. `variables` are the psql variables set before
// the file starts. Include cycles are problems.
Resolved resolve_script(const std::string &path, const std::string &cwd, const SourceFiles &files,
                        std::map<std::string, std::string> variables = {});

// `text` with every occurrence of a secret replaced by "<\getenv value>", for
// whatever leaves the coordinator as text to keep: staged scripts, recorded
// failures, printed errors.
std::string mask_secrets(std::string text, const std::vector<std::string> &secrets);

// Location of byte `offset` of a resolved body.
SourceLocation location_of(const Resolved &resolved, size_t offset);

}  // namespace shoal
