// The man page and the bash and zsh completions of shoal, written from the
// tables `shoal COMMAND --help` prints (command_reference(), config.h) so that
// none of them can say something --help does not. Pure: returns text; the
// build writes it to files (manual_main.cpp).
#pragma once

#include <string>

namespace shoal {

// shoal.1 in man(7) format. `version` and `date` go in its title line.
std::string man_page(const std::string &version, const std::string &date);

// The script bash-completion loads for shoal: commands, each command's options,
// directories after --migdir, files after a FILE option, and the version names
// of the migration directory (`shoal list`) where a VERSION goes.
std::string bash_completion();

// The same for zsh, as the _shoal function file.
std::string zsh_completion();

}  // namespace shoal
