// shoal_manual DIR: writes shoal.1, shoal.bash-completion and _shoal (zsh) into
// DIR, at build time, from the tables `shoal --help` prints (manual.h).
#include <fstream>
#include <iostream>

#include "manual.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: shoal_manual DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    const std::pair<const char *, std::string> files[] = {
        {"shoal.1", shoal::man_page(SHOAL_VERSION, SHOAL_RELEASE_DATE)},
        {"shoal.bash-completion", shoal::bash_completion()},
        {"_shoal", shoal::zsh_completion()},
    };
    for (const auto &[name, text] : files) {
        std::ofstream out(dir + "/" + name, std::ios::binary);
        out << text;
        if (!out.flush()) {
            std::cerr << "shoal_manual: cannot write " << dir << "/" << name << "\n";
            return 1;
        }
    }
    return 0;
}
