// pg-mig's rerun fingerprint, byte for byte, and when before.sql and after.sql
// run. See rerun_fingerprint.h; the references are pg-mig 2.18.1's Dest.ts,
// helpers/filesHash.ts and actions/actionUndoOrApply.ts.
#include "rerun_fingerprint.h"

#include <set>

#include "checksum.h"
#include "report.h"

namespace shoal {
namespace {

// JavaScript's white space and line terminators, what String.trimEnd removes.
bool is_js_space(unsigned code_point) {
    static const std::set<unsigned> kSpaces{0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0xA0,
                                            0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
    return kSpaces.count(code_point) > 0 || (code_point >= 0x2000 && code_point <= 0x200A);
}

// The size of `text` without its trailing JavaScript white space. Names are
// valid UTF-8 (the server's encoding); a sequence that is not stops the trim.
size_t trimmed_end(const std::string &text) {
    size_t end = text.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && end - start < 4 &&
               (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
            --start;
        const auto lead = static_cast<unsigned char>(text[start]);
        const size_t length = end - start;
        unsigned code_point;
        if (length == 1 && lead < 0x80)
            code_point = lead;
        else if (length == 2 && (lead & 0xE0) == 0xC0)
            code_point = lead & 0x1F;
        else if (length == 3 && (lead & 0xF0) == 0xE0)
            code_point = lead & 0x0F;
        else if (length == 4 && (lead & 0xF8) == 0xF0)
            code_point = lead & 0x07;
        else
            return end;
        for (size_t k = start + 1; k < end; ++k) code_point = (code_point << 6) | (text[k] & 0x3F);
        if (!is_js_space(code_point)) return end;
        end = start;
    }
    return end;
}

}  // namespace

std::vector<std::string> as_pgmig_reads(const std::vector<std::string> &names) {
    std::string output;  // psql -A -t: one row per line
    for (const std::string &name : names) output += name + "\n";
    output.resize(trimmed_end(output));
    std::vector<std::string> rows;
    for (size_t start = 0; start <= output.size();) {
        size_t newline = output.find('\n', start);
        if (newline == std::string::npos) newline = output.size();
        const std::string row = output.substr(start, newline - start);
        if (!row.empty()) rows.push_back(row.substr(0, row.find('\x01')));
        start = newline + 1;
    }
    return rows;
}

std::string before_after_hash(const MigrationDir &dir) {
    // pg-mig decodes each file as UTF-8 before hashing (invalid bytes would
    // become U+FFFD); shoal loads only valid UTF-8 (find_text_flaw), where that
    // decoding changes nothing, so the bytes are what pg-mig hashes.
    std::string joined;
    if (dir.before) joined = dir.before->source;
    if (dir.after) joined += (dir.before ? "\n" : "") + dir.after->source;
    return sha256_hex(joined);
}

std::string rerun_fingerprint(const std::vector<std::string> &schemas, const MigrationDir &dir) {
    std::string fingerprint;
    for (const std::string &schema : as_pgmig_reads(schemas)) fingerprint += schema + ",";
    return fingerprint + "hash=" + before_after_hash(dir);
}

BeforeAfter before_after_decision(std::size_t steps, bool undo, bool force,
                                  const std::vector<NodeFingerprint> &nodes) {
    if (steps > 0)
        return {true, std::to_string(steps) + (steps == 1 ? " step" : " steps") + " to run"};
    if (undo) return {false, "nothing to undo"};
    if (force) return {true, "--force"};
    std::vector<std::string> changed;
    for (const NodeFingerprint &node : nodes)
        if (node.current.empty() || node.stored != node.current) changed.push_back(node.node);
    if (changed.empty())
        return {false, "nothing pending, and no node's schemas, before.sql or after.sql changed"};
    return {true,
            "nothing pending, but the rerun fingerprint (the schemas, before.sql, after.sql) is "
            "not the last "
            "full run's on " +
                join(changed, ", ")};
}

}  // namespace shoal
