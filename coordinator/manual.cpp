// The man page and the shell completions, written from command_reference()
// (the tables --help prints) and lint's help, which lint prints itself. Adds
// no option, command or description of its own: what --help does not know,
// these do not say. The shell functions only ask `shoal list` for version names.
#include "manual.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "config.h"
#include "lint.h"
#include "report.h"

namespace shoal {
namespace {

// What a word after an option or a command's positional is.
enum class ValueKind { None, Directory, File, Version, Command };

ValueKind kind_of_value(const std::string &value_name) {
    if (value_name == "DIR") return ValueKind::Directory;
    if (value_name == "FILE") return ValueKind::File;
    if (value_name == "VERSION") return ValueKind::Version;
    return ValueKind::None;
}

// The positional words of a synopsis ("shoal undo VERSION [options]").
ValueKind kind_of_positional(const CommandReference &command) {
    if (command.synopsis.find("VERSION") != std::string::npos) return ValueKind::Version;
    if (command.synopsis.find("COMMAND") != std::string::npos) return ValueKind::Command;
    return ValueKind::None;
}

// lint parses its own arguments: its options beyond the tables are the ones its
// help lists ("  --all     lint every version…").
std::vector<OptionReference> lint_own_options() {
    static const std::regex option_line(R"(^  --([a-z-]+) +(.*)$)");
    std::vector<OptionReference> options;
    std::istringstream help(lint_help());
    std::smatch match;
    for (std::string line; std::getline(help, line);)
        if (std::regex_match(line, match, option_line)) options.push_back({match[1], "", match[2]});
    return options;
}

// Every option a command takes, in --help's order, each once.
std::vector<OptionReference> options_of(const CommandReference &command) {
    std::vector<OptionReference> options;
    std::set<std::string> seen;
    const auto add = [&](const OptionReference &option) {
        if (seen.insert(option.name).second) options.push_back(option);
    };
    for (const OptionGroupReference &group : command.groups)
        for (const OptionReference &option : group.options) add(option);
    if (command.command == Command::Lint)
        for (const OptionReference &option : lint_own_options()) add(option);
    return options;
}

// Each option that takes a value, with the name of its value.
std::map<std::string, std::string> value_names() {
    std::map<std::string, std::string> names;
    for (const CommandReference &command : command_reference())
        for (const OptionReference &option : options_of(command))
            if (!option.value_name.empty()) names[option.name] = option.value_name;
    return names;
}

std::string joined(const std::vector<std::string> &words, const std::string &separator) {
    std::string out;
    for (const std::string &word : words) out += (out.empty() ? "" : separator) + word;
    return out;
}

// ---- man(7) ----

// Text as roff reads it: backslashes escaped, no line starting with a control
// character, dashes of option names as minus signs.
std::string roff(const std::string &text) {
    std::string out;
    bool line_start = true;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\')
            out += "\\e";
        else if (c == '-' && (i + 1 < text.size() && (text[i + 1] == '-' || line_start ||
                                                      text[i - 1] == ' ' || text[i - 1] == '-')))
            out += "\\-";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string man_option(const OptionReference &option) {
    std::string line = "\\fB" + roff("--" + option.name) + "\\fR";
    if (!option.value_name.empty()) line += " \\fI" + option.value_name + "\\fR";
    return line;
}

// The overview's paragraphs (`shoal help`) but its usage line, command list and
// exit codes, which have sections of their own.
std::vector<std::string> overview_paragraphs() {
    const std::string overview = help_text(Command::Help);
    std::vector<std::string> paragraphs;
    size_t start = 0;
    while (start < overview.size()) {
        size_t end = overview.find("\n\n", start);
        if (end == std::string::npos) end = overview.size();
        const std::string paragraph = overview.substr(start, end - start);
        if (paragraph.rfind("Usage:", 0) != 0 && paragraph.rfind("Commands:", 0) != 0 &&
            paragraph.rfind("Exit codes:", 0) != 0)
            paragraphs.push_back(paragraph);
        start = end + 2;
    }
    return paragraphs;
}

// lint's help but its usage line: what `shoal lint --help` explains.
std::string lint_help_body() {
    const std::string help = lint_help();
    return help.substr(help.find("\n\n") + 2);
}

}  // namespace

std::string man_page(const std::string &version, const std::string &date) {
    const std::vector<CommandReference> commands = command_reference();
    std::ostringstream out;
    out << ".\\\" Generated from shoal's option tables (coordinator/manual.cpp); do not edit.\n"
        << ".TH SHOAL 1 \"" << date << "\" \"shoal " << version << "\" \"User Commands\"\n"
        << ".SH NAME\n"
        << "shoal \\- apply one chain of SQL migrations to every schema of a PostgreSQL fleet\n"
        << ".SH SYNOPSIS\n.nf\n";
    for (const CommandReference &command : commands) out << roff(command.synopsis) << "\n";
    out << ".fi\n.SH DESCRIPTION\n";
    for (const std::string &paragraph : overview_paragraphs())
        out << ".PP\n" << roff(paragraph) << "\n";
    out << ".PP\nshoal " << version << " needs the extension shoal " << SHOAL_EXTENSION_VERSION
        << " or newer on every node.\n";

    out << ".SH COMMANDS\n";
    for (const CommandReference &command : commands) {
        out << ".SS " << roff(command.name) << "\n"
            << ".B " << roff(command.synopsis) << "\n.PP\n"
            << roff(command.summary) << "\n";
        if (command.command == Command::Lint)
            out << ".PP\n.nf\n" << roff(lint_help_body()) << ".fi\n";
        std::vector<std::string> options;
        for (const OptionReference &option : options_of(command))
            options.push_back(man_option(option));
        out << ".PP\nOptions: " << joined(options, ", ") << ".\n";
    }

    // Each option once under the caption --help shows it under; an option that
    // means something else elsewhere (--dry-run) is listed under each caption.
    out << ".SH OPTIONS\n";
    std::vector<std::string> captions;
    std::map<std::string, std::vector<OptionReference>> by_caption;
    std::set<std::pair<std::string, std::string>> seen;  // (name, description)
    for (const CommandReference &command : commands) {
        for (const OptionGroupReference &group : command.groups) {
            if (!by_caption.count(group.caption)) captions.push_back(group.caption);
            std::vector<OptionReference> &listed = by_caption[group.caption];
            for (const OptionReference &option : group.options)
                if (seen.insert({option.name, option.description}).second) listed.push_back(option);
        }
    }
    for (const std::string &caption : captions) {
        if (by_caption[caption].empty()) continue;
        out << ".SS \"" << roff(caption) << "\"\n";
        for (const OptionReference &option : by_caption[caption])
            out << ".TP\n" << man_option(option) << "\n" << roff(option.description) << "\n";
    }

    out << ".SH EXIT STATUS\n.nf\n"
        << roff(exit_code_table()) << ".fi\n"
        << ".SH SEE ALSO\n"
        << "The guides in /usr/share/doc/shoal (README.md, docs/operators.md, docs/json.md), "
           "installed by the shoal package.\n";
    return out.str();
}

std::string bash_completion() {
    const std::vector<CommandReference> commands = command_reference();
    std::map<ValueKind, std::vector<std::string>> options_by_kind;
    std::vector<std::string> taking_value;
    for (const auto &[name, value_name] : value_names()) {
        options_by_kind[kind_of_value(value_name)].push_back("--" + name);
        taking_value.push_back("--" + name);
    }
    std::map<ValueKind, std::vector<std::string>> commands_by_positional;
    std::vector<std::string> names;
    for (const CommandReference &command : commands) {
        names.push_back(command.name);
        commands_by_positional[kind_of_positional(command)].push_back(command.name);
    }

    std::ostringstream out;
    out << "# bash completion for shoal. Generated from shoal's option tables\n"
           "# (coordinator/manual.cpp); do not edit.\n"
           "\n"
           "# The version names of the migration directory the line names with --migdir,\n"
           "# else of the one shoal finds itself (PGMIGDIR, shoal.ini).\n"
           "_shoal_versions() {\n"
           "    local i migdir=()\n"
           "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "        [[ ${COMP_WORDS[i]} == --migdir ]] || continue\n"
           "        [[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))\n"
           "        migdir=(--migdir \"${COMP_WORDS[i + 1]}\")\n"
           "    done\n"
           "    shoal list \"${migdir[@]}\" 2>/dev/null | sed -n 's/^ > //p'\n"
           "}\n"
           "\n"
           "_shoal() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
           "    local command='' options i\n"
           "    # --option=value is three words to bash: the option, '=' and the value.\n"
           "    if [[ $cur == = ]]; then\n"
           "        cur=''\n"
           "    elif [[ $prev == = ]]; then\n"
           "        prev=${COMP_WORDS[COMP_CWORD - 2]}\n"
           "    fi\n"
           "    # The command is the first word that is neither an option nor its value.\n"
           "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "        case ${COMP_WORDS[i]} in\n"
           "        "
        << joined(taking_value, "|")
        << ") ((i++)); [[ ${COMP_WORDS[i]} == = ]] && ((i++)) ;;\n"
           "        -* | =) ;;\n"
           "        *) command=${COMP_WORDS[i]}; break ;;\n"
           "        esac\n"
           "    done\n"
           "    case $prev in\n";
    const std::map<ValueKind, std::string> value_completion = {
        {ValueKind::Directory, "mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")"},
        {ValueKind::File, "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")"},
        {ValueKind::Version,
         "mapfile -t COMPREPLY < <(compgen -W \"$(_shoal_versions)\" -- \"$cur\")"},
        {ValueKind::Command,
         "mapfile -t COMPREPLY < <(compgen -W \"" + joined(names, " ") + "\" -- \"$cur\")"},
        {ValueKind::None, "COMPREPLY=()"},
    };
    for (const auto &[kind, options] : options_by_kind)
        out << "    " << joined(options, "|") << ")\n"
            << "        " << value_completion.at(kind) << "\n        return ;;\n";
    out << "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        case $command in\n";
    for (const CommandReference &command : commands) {
        std::vector<std::string> options;
        for (const OptionReference &option : options_of(command))
            options.push_back("--" + option.name);
        // Without a command, shoal takes apply's options (pg-mig's command line).
        out << "        " << (command.command == Command::Apply ? "'' | " : "") << command.name
            << ") options='" << joined(options, " ") << "' ;;\n";
    }
    out << "        esac\n"
           "        mapfile -t COMPREPLY < <(compgen -W \"$options\" -- \"$cur\")\n"
           "        return\n"
           "    fi\n"
           "    case $command in\n"
           "    '')\n"
           "        "
        << value_completion.at(ValueKind::Command) << " ;;\n";
    for (const auto &[kind, with_positional] : commands_by_positional)
        if (kind != ValueKind::None)
            out << "    " << joined(with_positional, " | ") << ")\n"
                << "        " << value_completion.at(kind) << " ;;\n";
    out << "    esac\n"
           "}\n"
           "complete -F _shoal shoal\n";
    return out.str();
}

namespace {

// A description as the first clause of --help's, for zsh's one-line listings,
// quoted for the inside of a single-quoted word; `in_brackets`: also escaped for
// the [...] of an _arguments spec.
std::string zsh_description(const std::string &description, bool in_brackets) {
    std::string clause = description.substr(0, description.find_first_of(";("));
    while (!clause.empty() && (clause.back() == ' ' || clause.back() == ',')) clause.pop_back();
    std::string out;
    for (char c : clause) {
        if (c == '\'')
            out += "'\\''";
        else if (in_brackets && (c == '[' || c == ']' || c == '\\'))
            out += std::string("\\") + c;
        else
            out += c;
    }
    return out;
}

std::string zsh_spec(const OptionReference &option) {
    const std::string head = "'--" + option.name;
    const std::string described = "[" + zsh_description(option.description, true) + "]";
    if (option.value_name.empty()) return head + described + "'";
    static const std::map<ValueKind, std::string> actions = {
        {ValueKind::Directory, "_files -/"},
        {ValueKind::File, "_files"},
        {ValueKind::Version, "_shoal_versions"},
        {ValueKind::None, " "},
    };
    return head + "=" + described + ":" + option.value_name + ":" +
           actions.at(kind_of_value(option.value_name)) + "'";
}

}  // namespace

std::string zsh_completion() {
    const std::vector<CommandReference> commands = command_reference();
    std::ostringstream out;
    out << "#compdef shoal\n"
           "# zsh completion for shoal. Generated from shoal's option tables\n"
           "# (coordinator/manual.cpp); do not edit.\n"
           "\n"
           "# The version names of the migration directory the line names with --migdir,\n"
           "# else of the one shoal finds itself (PGMIGDIR, shoal.ini).\n"
           "_shoal_versions() {\n"
           "    local -a migdir versions\n"
           "    local i=${words[(I)--migdir(|=*)]}\n"
           "    if (( i )); then\n"
           "        if [[ $words[i] == --migdir=* ]]; then migdir=($words[i]); "
           "else migdir=(--migdir $words[i+1]); fi\n"
           "    fi\n"
           "    versions=(${(f)\"$(shoal list $migdir 2>/dev/null | sed -n 's/^ > //p')\"})\n"
           "    _wanted versions expl version compadd -a versions\n"
           "}\n"
           "\n"
           "_shoal() {\n"
           "    local -a commands\n"
           "    commands=(\n";
    for (const CommandReference &command : commands)
        out << "        '" << command.name << ":" << zsh_description(command.brief, false) << "'\n";
    out << "    )\n"
           "    local command=apply\n"
           "    # Without a command, shoal takes apply's options (pg-mig's command line).\n"
           "    if [[ $words[2] != -* ]]; then\n"
           "        if (( CURRENT == 2 )); then\n"
           "            _describe -t commands 'shoal command' commands\n"
           "            return\n"
           "        fi\n"
           "        command=$words[2]\n"
           "        shift words\n"
           "        (( CURRENT-- ))\n"
           "    fi\n"
           "    case $command in\n";
    const std::map<ValueKind, std::string> positional = {
        {ValueKind::Version, "'*:version:_shoal_versions'"},
        {ValueKind::Command, "'*:command:_describe -t commands command commands'"},
    };
    for (const CommandReference &command : commands) {
        out << "    " << command.name << ")\n        _arguments -s";
        for (const OptionReference &option : options_of(command))
            out << " \\\n            " << zsh_spec(option);
        const ValueKind kind = kind_of_positional(command);
        if (kind != ValueKind::None) out << " \\\n            " << positional.at(kind);
        out << " ;;\n";
    }
    out << "    esac\n"
           "}\n"
           "\n"
           "_shoal \"$@\"\n";
    return out.str();
}

}  // namespace shoal
