// Tests of the one JSON writer (coordinator/json.h) and of docs/json.md: every
// example there parses, and each names a document the commands print (the
// cluster suite, test/cluster/23_json.sh, compares them with real output).
#include "json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace shoal {
namespace {

std::map<std::string, std::string> documented_examples() {
    std::ifstream file(std::string(SHOAL_SOURCE_DIR) + "/docs/json.md");
    std::stringstream text;
    text << file.rdbuf();
    const std::string docs = text.str();
    static const std::regex example(R"(<!-- example: ([a-z-]+) -->\s*```json\n([^`]*)```)");
    std::map<std::string, std::string> out;
    for (std::sregex_iterator it(docs.begin(), docs.end(), example), end; it != end; ++it)
        out[(*it)[1].str()] = (*it)[2].str();
    return out;
}

TEST(JsonDocs, EveryExampleParsesAsOneLineObject) {
    const auto examples = documented_examples();
    std::vector<std::string> names;
    for (const auto &[name, example] : examples) {
        names.push_back(name);
        EXPECT_EQ(example.find('\n'), example.size() - 1) << name << ": one line";
        EXPECT_NO_THROW(EXPECT_TRUE(Json::parse(example).is_object()) << name) << name;
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"apply", "chain", "check", "digest", "dry-run", "envelope",
                                        "history", "lint", "lint-trace", "list", "new", "pause",
                                        "repair", "status", "verify", "version"}));
}

// The writer keeps the order keys were added in, which is the documented one.
TEST(JsonDocs, TheWriterKeepsKeyOrderAndIsCompact) {
    EXPECT_EQ(
        json_text(
            {{"z", 1}, {"a", {{"y", true}, {"b", nullptr}}}, {"list", Json::array({"x", 2.5})}}),
        "{\"z\":1,\"a\":{\"y\":true,\"b\":null},\"list\":[\"x\",2.5]}");
}

}  // namespace
}  // namespace shoal
