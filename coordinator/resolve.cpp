// Resolution of shoal's psql subset. This is not a SQL splitter: it tracks only
// what psql itself tracks to decide where a backslash starts a meta-command and
// where :var is interpolated (quotes, dollar quotes, comments). Statements are
// split later by PostgreSQL's parser (split.cpp). Reads only through SourceFiles.
#include "resolve.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "text.h"

namespace shoal {
namespace {

bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool is_variable_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// libpq's PQescapeLiteral: quote_literal's, with a space before an E'' string
// so that it cannot join a word before it.
std::string psql_literal(const std::string &value) {
    const std::string literal = quote_literal(value);
    return literal[0] == 'E' ? " " + literal : literal;
}

// libpq's PQescapeIdentifier.
std::string quote_identifier(const std::string &value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += c;
        out += c;
    }
    return out + "\"";
}

std::string normal_path(const std::filesystem::path &path) {
    std::string normal = path.lexically_normal().string();
    return normal.empty() ? "." : normal;
}

// Where psql's lexer is between characters of a file: only what decides
// whether a backslash or a colon means something to psql.
enum class LexState { Normal, Quote, EscapeQuote, Identifier, Dollar, BlockComment };

class Resolver {
  public:
    Resolver(const SourceFiles &files, std::string cwd, std::map<std::string, std::string> vars)
        : files_(files), cwd_(std::move(cwd)), vars_(std::move(vars)) {}

    void resolve_file(const std::string &path, const std::optional<SourceLocation> &from);
    Resolved take() {
        size_t offset = 0;
        for (const std::string &line : split_lines(out_.body)) {
            out_.line_starts.push_back(offset);
            offset += line.size() + 1;
        }
        return std::move(out_);
    }

  private:
    void resolve_line(const std::string &path, int number, const std::string &line);
    // Handles `\…` (text after the backslash); `path` is the file it is in.
    void meta_command(const std::string &path, int number, const std::string &text);
    std::optional<std::vector<std::string>> meta_arguments(const std::string &text,
                                                           const SourceLocation &where);
    // psql's :name, :'name', :"name" at `text[pos]` (a colon); appends the
    // replacement to `out` and returns how many characters were consumed.
    size_t interpolate(const std::string &text, size_t pos, std::string &out);
    // Records that `inserted`, made from variable `name`'s value, went into the text.
    void note_secret(const std::string &name, const std::string &inserted);
    void emit(const std::string &text, const SourceLocation &where);
    void problem(const SourceLocation &where, std::string message) {
        out_.problems.push_back({where, std::move(message)});
    }

    const SourceFiles &files_;
    std::string cwd_;
    std::map<std::string, std::string> vars_;
    std::set<std::string> from_environment_;  // variables whose value \getenv read
    std::vector<std::string> stack_;
    LexState state_ = LexState::Normal;
    std::string dollar_tag_;
    int comment_depth_ = 0;
    Resolved out_;
};

void Resolver::resolve_file(const std::string &path, const std::optional<SourceLocation> &from) {
    if (std::find(stack_.begin(), stack_.end(), path) != stack_.end()) {
        std::string cycle;
        for (auto it = std::find(stack_.begin(), stack_.end(), path); it != stack_.end(); ++it) {
            cycle += *it + " -> ";
        }
        problem(*from, "include cycle: " + cycle + path);
        return;
    }
    std::optional<std::string> text = files_.read_file(path);
    if (!text) {
        problem(from ? *from : SourceLocation{path, 0},
                (from ? "cannot read included file " + path + ": it " : "cannot read file: it ") +
                    files_.read_error(path));
        return;
    }
    // A NUL would end the text wherever it becomes a C string (libpg_query, the
    // server), so the statements after it would silently not run.
    if (std::optional<TextFlaw> flaw = find_text_flaw(*text)) {
        problem({path, flaw->line},
                "column " + std::to_string(flaw->column) + ": the file " + flaw->what);
        return;
    }
    // Each file gets a fresh lexer, as psql's MainLoop does per \i.
    LexState saved_state = state_;
    std::string saved_tag = dollar_tag_;
    int saved_depth = comment_depth_;
    state_ = LexState::Normal;
    comment_depth_ = 0;
    stack_.push_back(path);
    int number = 0;
    for (const std::string &line : split_lines(*text)) resolve_line(path, ++number, line);
    stack_.pop_back();
    state_ = saved_state;
    dollar_tag_ = saved_tag;
    comment_depth_ = saved_depth;
}

void Resolver::resolve_line(const std::string &path, int number, const std::string &line) {
    std::string out;
    size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        char next = i + 1 < line.size() ? line[i + 1] : '\0';
        switch (state_) {
            case LexState::Normal:
                if (c == '-' && next == '-') {
                    out += line.substr(i);
                    i = line.size();
                } else if (c == '/' && next == '*') {
                    out += "/*";
                    i += 2;
                    state_ = LexState::BlockComment;
                    comment_depth_ = 1;
                } else if (c == '\'') {
                    bool escape = !out.empty() && (out.back() == 'E' || out.back() == 'e') &&
                                  (out.size() < 2 || !is_ident_char(out[out.size() - 2]));
                    state_ = escape ? LexState::EscapeQuote : LexState::Quote;
                    out += c;
                    ++i;
                } else if (c == '"') {
                    state_ = LexState::Identifier;
                    out += c;
                    ++i;
                } else if (c == '$' && (out.empty() || !is_ident_char(out.back()))) {
                    size_t end = i + 1;
                    while (end < line.size() && is_ident_char(line[end]) && line[end] != '$' &&
                           !(end == i + 1 && std::isdigit(static_cast<unsigned char>(line[end])))) {
                        ++end;
                    }
                    if (end < line.size() && line[end] == '$') {
                        dollar_tag_ = line.substr(i, end - i + 1);
                        out += dollar_tag_;
                        i = end + 1;
                        state_ = LexState::Dollar;
                    } else {
                        out += c;
                        ++i;
                    }
                } else if (c == ':' && next == ':') {
                    out += "::";
                    i += 2;
                } else if (c == ':') {
                    i += interpolate(line, i, out);
                } else if (c == '\\') {
                    // The rest of the line is a meta-command; what precedes it stays SQL.
                    emit(out, {path, number});
                    meta_command(path, number, line.substr(i + 1));
                    return;
                } else {
                    out += c;
                    ++i;
                }
                break;
            case LexState::Quote:
            case LexState::EscapeQuote:
                if (c == '\\' && state_ == LexState::EscapeQuote && i + 1 < line.size()) {
                    out += line.substr(i, 2);
                    i += 2;
                } else if (c == '\'' && next == '\'') {
                    out += "''";
                    i += 2;
                } else {
                    if (c == '\'') state_ = LexState::Normal;
                    out += c;
                    ++i;
                }
                break;
            case LexState::Identifier:
                if (c == '"' && next == '"') {
                    out += "\"\"";
                    i += 2;
                } else {
                    if (c == '"') state_ = LexState::Normal;
                    out += c;
                    ++i;
                }
                break;
            case LexState::Dollar:
                if (line.compare(i, dollar_tag_.size(), dollar_tag_) == 0) {
                    out += dollar_tag_;
                    i += dollar_tag_.size();
                    state_ = LexState::Normal;
                } else {
                    out += c;
                    ++i;
                }
                break;
            case LexState::BlockComment:
                if (c == '/' && next == '*') {
                    ++comment_depth_;
                    out += "/*";
                    i += 2;
                } else if (c == '*' && next == '/') {
                    if (--comment_depth_ == 0) state_ = LexState::Normal;
                    out += "*/";
                    i += 2;
                } else {
                    out += c;
                    ++i;
                }
                break;
        }
    }
    emit(out, {path, number});
}

void Resolver::note_secret(const std::string &name, const std::string &inserted) {
    if (from_environment_.count(name) == 0) return;
    for (const std::string &secret : {vars_.at(name), inserted})
        if (!secret.empty() &&
            std::find(out_.secrets.begin(), out_.secrets.end(), secret) == out_.secrets.end())
            out_.secrets.push_back(secret);
}

size_t Resolver::interpolate(const std::string &text, size_t pos, std::string &out) {
    size_t start = pos + 1;
    char quote = start < text.size() ? text[start] : '\0';
    if (quote == '\'' || quote == '"') {
        size_t close = text.find(quote, start + 1);
        if (close != std::string::npos && close > start + 1) {
            std::string name = text.substr(start + 1, close - start - 1);
            auto var = vars_.find(name);
            if (std::all_of(name.begin(), name.end(), is_variable_char) && var != vars_.end()) {
                const std::string inserted =
                    quote == '\'' ? psql_literal(var->second) : quote_identifier(var->second);
                out += inserted;
                note_secret(name, inserted);
                return close + 1 - pos;
            }
        }
    } else {
        size_t end = start;
        while (end < text.size() && is_variable_char(text[end])) ++end;
        auto var = end > start ? vars_.find(text.substr(start, end - start)) : vars_.end();
        if (var != vars_.end()) {
            out += var->second;
            note_secret(var->first, var->second);
            return end - pos;
        }
    }
    // psql leaves a reference to an unset variable as it is.
    out += ':';
    return 1;
}

std::optional<std::vector<std::string>> Resolver::meta_arguments(const std::string &text,
                                                                 const SourceLocation &where) {
    std::vector<std::string> args;
    size_t i = 0;
    while (true) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= text.size()) return args;
        std::string arg;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
            char c = text[i];
            if (c == '`') {
                problem(where,
                        "backtick shell commands are not supported by shoal (use \\getenv "
                        "to read an environment variable)");
                return std::nullopt;
            }
            if (c == '\'') {
                // Taken literally, with psql's backslash escapes and '' for a quote.
                ++i;
                while (i < text.size() &&
                       !(text[i] == '\'' && (i + 1 >= text.size() || text[i + 1] != '\''))) {
                    if (text[i] == '\'') {
                        arg += '\'';
                        i += 2;
                    } else if (text[i] == '\\' && i + 1 < text.size()) {
                        char e = text[i + 1];
                        arg += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                        i += 2;
                    } else {
                        arg += text[i++];
                    }
                }
                if (i >= text.size()) {
                    problem(where, "unterminated quoted string in meta-command");
                    return std::nullopt;
                }
                ++i;
            } else if (c == '"') {
                size_t close = text.find('"', i + 1);
                if (close == std::string::npos) {
                    problem(where, "unterminated quoted identifier in meta-command");
                    return std::nullopt;
                }
                arg += text.substr(i, close + 1 - i);
                i = close + 1;
            } else if (c == ':') {
                i += interpolate(text, i, arg);
            } else {
                arg += c;
                ++i;
            }
        }
        args.push_back(arg);
    }
}

void Resolver::meta_command(const std::string &path, int number, const std::string &text) {
    SourceLocation where{path, number};
    size_t name_end = 0;
    while (name_end < text.size() && !std::isspace(static_cast<unsigned char>(text[name_end]))) {
        ++name_end;
    }
    std::string name = text.substr(0, name_end);
    static const std::vector<std::string> supported = {
        "i", "ir", "include", "include_relative", "set", "unset", "getenv", "echo"};
    if (std::find(supported.begin(), supported.end(), name) == supported.end()) {
        problem(where, "psql meta-command \\" + name +
                           " is not supported by shoal (supported: \\i, \\ir, \\set, \\unset, "
                           "\\getenv, \\echo)");
        return;
    }
    std::optional<std::vector<std::string>> args = meta_arguments(text.substr(name_end), where);
    if (!args) return;

    auto wants = [&](size_t count, const char *usage) {
        if (args->size() == count) return true;
        problem(where, std::string("usage: \\") + usage);
        return false;
    };
    if (name == "i" || name == "include" || name == "ir" || name == "include_relative") {
        if (!wants(1, (name + " FILE").c_str())) return;
        bool relative = name == "ir" || name == "include_relative";
        std::filesystem::path base =
            relative ? std::filesystem::path(path).parent_path() : std::filesystem::path(cwd_);
        resolve_file(normal_path(base / (*args)[0]), where);
    } else if (name == "set") {
        if (args->empty()) {
            problem(where, "usage: \\set NAME [VALUE …] (listing variables is not supported)");
            return;
        }
        const std::string &variable = (*args)[0];
        if (!std::all_of(variable.begin(), variable.end(), is_variable_char)) {
            problem(where, "invalid variable name \"" + variable + "\"");
            return;
        }
        std::string value;
        for (size_t k = 1; k < args->size(); ++k) value += (*args)[k];
        vars_[variable] = value;
        // `\set b :a` copies a \getenv value: b is as secret as a.
        const bool copies_secret = std::any_of(
            out_.secrets.begin(), out_.secrets.end(),
            [&](const std::string &secret) { return value.find(secret) != std::string::npos; });
        if (copies_secret)
            from_environment_.insert(variable);
        else
            from_environment_.erase(variable);
    } else if (name == "unset") {
        if (wants(1, "unset NAME")) {
            vars_.erase((*args)[0]);
            from_environment_.erase((*args)[0]);
        }
    } else if (name == "getenv") {
        if (!wants(2, "getenv PSQL_VARIABLE ENVIRONMENT_VARIABLE")) return;
        out_.reads_environment = true;
        // As psql: an unset environment variable leaves the psql variable alone.
        if (std::optional<std::string> value = files_.getenv((*args)[1])) {
            vars_[(*args)[0]] = *value;
            from_environment_.insert((*args)[0]);
        }
    }
    // \echo: its arguments are read (a problem in them is the file's), and it
    // sends nothing; what psql would print while a run applies thousands of
    // schemas is not shown.
}

void Resolver::emit(const std::string &text, const SourceLocation &where) {
    out_.body += text;
    out_.body += '\n';
    // A variable's value may hold newlines: every line it makes maps to its line.
    size_t lines = std::count(text.begin(), text.end(), '\n') + 1;
    out_.lines.insert(out_.lines.end(), lines, where);
}

}  // namespace

Resolved resolve_script(const std::string &path, const std::string &cwd, const SourceFiles &files,
                        std::map<std::string, std::string> variables) {
    Resolver resolver(files, cwd, std::move(variables));
    resolver.resolve_file(normal_path(path), std::nullopt);
    return resolver.take();
}

std::string mask_secrets(std::string text, const std::vector<std::string> &secrets) {
    // Longest first: a secret's quoted form contains the secret itself.
    std::vector<std::string> longest_first = secrets;
    std::sort(longest_first.begin(), longest_first.end(),
              [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    static const std::string kMask = "<\\getenv value>";
    for (const std::string &secret : longest_first) {
        if (secret.empty()) continue;
        for (size_t at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + kMask.size()))
            text.replace(at, secret.size(), kMask);
    }
    return text;
}

SourceLocation location_of(const Resolved &resolved, size_t offset) {
    if (resolved.line_starts.empty()) return {};
    auto after = std::upper_bound(resolved.line_starts.begin(), resolved.line_starts.end(), offset);
    size_t index = static_cast<size_t>(after - resolved.line_starts.begin()) - 1;
    return resolved.lines[std::min(index, resolved.lines.size() - 1)];
}

}  // namespace shoal
