// The man page and the completions (manual.h) against the tables --help prints
// (command_reference(), config.h).
#include "manual.h"

#include <gtest/gtest.h>

#include "config.h"

namespace shoal {
namespace {

const CommandReference &reference_of(Command command) {
    static const std::vector<CommandReference> all = command_reference();
    for (const CommandReference &reference : all)
        if (reference.command == command) return reference;
    throw std::logic_error("no reference for " + command_name(command));
}

TEST(CommandReference, GroupsOptionsUnderTheCaptionsHelpPrints) {
    const CommandReference &apply = reference_of(Command::Apply);
    EXPECT_EQ(apply.synopsis, "shoal apply [options]");
    std::vector<std::string> captions;
    for (const OptionGroupReference &group : apply.groups) {
        captions.push_back(group.caption);
        EXPECT_NE(help_text(Command::Apply).find(group.caption + ":\n"), std::string::npos)
            << group.caption;
    }
    ASSERT_EQ(captions.size(), 4u);
    EXPECT_EQ(captions[0], "Options");
    EXPECT_EQ(captions[2], "Run");
    const OptionReference &migdir = apply.groups[0].options[0];
    EXPECT_EQ(migdir.name, "migdir");
    EXPECT_EQ(migdir.value_name, "DIR");
    const OptionReference &json = apply.groups[0].options[2];
    EXPECT_EQ(json.name, "json");
    EXPECT_EQ(json.value_name, "") << "a flag takes no value";
}

TEST(CommandReference, EveryOptionOfEveryHelpIsInTheTables) {
    for (const CommandReference &command : command_reference()) {
        if (command.command == Command::Help) continue;  // its help is the overview
        const std::string help = help_text(command.command);
        size_t options = 0;
        for (const OptionGroupReference &group : command.groups) options += group.options.size();
        size_t printed = 0;
        for (size_t at = help.find("\n  -"); at != std::string::npos;
             at = help.find("\n  -", at + 1))
            ++printed;
        EXPECT_EQ(options, printed) << command.name;
    }
}

TEST(ManPage, CarriesVersionCommandsOptionsAndExitCodes) {
    const std::string page = man_page("9.8.7", "1 Jan 2030");
    EXPECT_EQ(page.find(".TH SHOAL 1 \"1 Jan 2030\" \"shoal 9.8.7\""), page.find(".TH"));
    for (const CommandReference &command : command_reference()) {
        EXPECT_NE(page.find(".SS " + command.name + "\n"), std::string::npos) << command.name;
        for (const OptionGroupReference &group : command.groups)
            for (const OptionReference &option : group.options)
                EXPECT_NE(page.find("\\fB\\-\\-" + option.name + "\\fR"), std::string::npos)
                    << option.name;
    }
    EXPECT_NE(page.find("\\fB\\-\\-trace\\fR"), std::string::npos) << "lint's own options too";
    EXPECT_NE(page.find(".SH EXIT STATUS"), std::string::npos);
}

TEST(ManPage, NoLineStartsWithAControlCharacterByAccident) {
    // A paragraph line starting with "." or "'" would be read as a roff request.
    const std::string page = man_page("1", "d");
    size_t at = 0;
    for (std::string line; at < page.size(); at = page.find('\n', at) + 1) {
        line = page.substr(at, page.find('\n', at) - at);
        if (line.empty() || (line[0] != '.' && line[0] != '\'')) continue;
        EXPECT_TRUE(
            line.rfind(".TH", 0) == 0 || line.rfind(".SH", 0) == 0 || line.rfind(".SS", 0) == 0 ||
            line.rfind(".PP", 0) == 0 || line.rfind(".TP", 0) == 0 || line.rfind(".nf", 0) == 0 ||
            line.rfind(".fi", 0) == 0 || line.rfind(".B ", 0) == 0 || line.rfind(".\\\"", 0) == 0)
            << line;
    }
}

TEST(Completion, BashAndZshKnowEveryCommandAndOption) {
    const std::string bash = bash_completion(), zsh = zsh_completion();
    for (const CommandReference &command : command_reference()) {
        EXPECT_NE(bash.find(" " + command.name), std::string::npos) << command.name;
        EXPECT_NE(zsh.find("'" + command.name + ":"), std::string::npos) << command.name;
        for (const OptionGroupReference &group : command.groups)
            for (const OptionReference &option : group.options) {
                EXPECT_NE(bash.find("--" + option.name), std::string::npos) << option.name;
                EXPECT_NE(zsh.find("'--" + option.name), std::string::npos) << option.name;
            }
    }
    EXPECT_NE(zsh.find("'--migdir=[migration directory]:DIR:_files -/'"), std::string::npos);
    EXPECT_NE(zsh.find("'--to=[apply versions up to and including VERSION only]:VERSION:"
                       "_shoal_versions'"),
              std::string::npos);
}

}  // namespace
}  // namespace shoal
