// Configuration: subcommands, pg-mig aliases, precedence, host specs (config.h).
#include "config.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

ConfigResult parse(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                   std::optional<IniFile> ini = std::nullopt) {
    return parse_config(args, env, ini);
}

TEST(Config, SubcommandWithOptions) {
    ConfigResult r = parse(
        {"apply", "--migdir", "mig", "--hosts", "a,b:5433/app", "--dry-run", "--parallelism", "4"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.command, Command::Apply);
    EXPECT_EQ(r.config.migdir, "mig");
    EXPECT_TRUE(r.config.dry);
    EXPECT_EQ(r.config.parallelism, 4);
    ASSERT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='a'");
    EXPECT_EQ(r.config.nodes[1].conninfo, "host='b' port='5433' dbname='app'");
    EXPECT_EQ(r.config.nodes[0].display, "a:5432/");
    EXPECT_EQ(r.config.nodes[1].display, "b:5433/app");
}

TEST(Config, SteeringNeedsNoMigrationDirectory) {
    ConfigResult r = parse({"pause", "--hosts", "a,b", "--reason", "deploy hold", "--dry-run"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.command, Command::Pause);
    EXPECT_EQ(r.config.reason, std::optional<std::string>("deploy hold"));
    EXPECT_TRUE(r.config.dry);
    EXPECT_EQ(r.config.nodes.size(), 2u);
    EXPECT_TRUE(parse({"resume"}).ok());
    EXPECT_FALSE(parse({"resume"}).config.reason);
    EXPECT_FALSE(parse({"cancel", "--force"}).ok());  // apply's options are not steering's
    EXPECT_FALSE(parse({"status", "--reason", "x", "--migdir", "m"}).ok());
}

TEST(Config, RunLogAndMetricsAreApplyAndUndoOptions) {
    ConfigResult r =
        parse({"apply", "--migdir", "m", "--log-json", "run.log", "--metrics", "shoal.prom"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.log_json, "run.log");
    EXPECT_EQ(r.config.metrics, "shoal.prom");
    EXPECT_TRUE(parse({"undo", "V", "--migdir", "m", "--log-json", "run.log"}).ok());
    EXPECT_FALSE(parse({"status", "--migdir", "m", "--metrics", "shoal.prom"}).ok());
}

TEST(Config, TheLockPolicyIsSetPerRun) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--lock-timeout", "250ms", "--retry-for",
                            "5min", "--retries", "12"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.lock_policy.lock_timeout_ms, 250);
    EXPECT_EQ(r.config.lock_policy.retry_for_ms, 300000);
    EXPECT_EQ(r.config.lock_policy.retries, 12);
    const LockPolicy defaults = parse({"undo", "V", "--migdir", "m"}).config.lock_policy;
    EXPECT_EQ(defaults.lock_timeout_ms, kDefaultLockTimeoutMs);
    EXPECT_EQ(defaults.retry_for_ms, kDefaultRetryForMs);
    EXPECT_EQ(defaults.retries, -1);
    ConfigResult bad =
        parse({"apply", "--migdir", "m", "--lock-timeout", "1h", "--retries", "many"});
    ASSERT_EQ(bad.errors.size(), 2u);
    EXPECT_NE(bad.errors[0].find("--lock-timeout takes a duration"), std::string::npos)
        << bad.errors[0];
    EXPECT_NE(bad.errors[1].find("--retries takes a count"), std::string::npos) << bad.errors[1];
    EXPECT_FALSE(parse({"status", "--migdir", "m", "--retry-for", "1min"}).ok());
}

TEST(Config, TheCommitModeIsMeasuredUnlessChosen) {
    EXPECT_EQ(parse({"apply", "--migdir", "m"}).config.commit_mode, CommitMode::Auto);
    EXPECT_EQ(parse({"undo", "V", "--migdir", "m", "--synchronous-commit"}).config.commit_mode,
              CommitMode::Synchronous);
    EXPECT_EQ(parse({"apply", "--migdir", "m", "--asynchronous-commit"}).config.commit_mode,
              CommitMode::Asynchronous);
    ConfigResult both =
        parse({"apply", "--migdir", "m", "--synchronous-commit", "--asynchronous-commit"});
    ASSERT_EQ(both.errors.size(), 1u);
    EXPECT_NE(both.errors[0].find("exclude each other"), std::string::npos) << both.errors[0];
    EXPECT_FALSE(parse({"status", "--migdir", "m", "--asynchronous-commit"}).ok());
}

TEST(Config, TwoDatabasesOfOneServerAreTwoNodes) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--hosts", "h/a,h/b"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[0].display, "h/a");
    EXPECT_EQ(r.config.nodes[1].display, "h/b");
}

TEST(Config, OneDatabaseListedTwiceIsUsageError) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--hosts", "h:5432/a,h/a"});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors[0].find("h:5432/a is listed twice"), std::string::npos) << r.errors[0];
}

TEST(Config, CommandLineBeatsEnvironmentBeatsIni) {
    IniFile ini{"/x/shoal.ini", "migdir=ini-mig\nport=1111\nuser=ini-user\ndb=ini-db\n"};
    ConfigResult r = parse({"status", "--port", "3333"},
                           {{"PGPORT", "2222"}, {"PGUSER", "env-user"}, {"PGHOST", "h1"}}, ini);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.migdir, "/x/ini-mig");
    EXPECT_EQ(r.config.ini_path, "/x/shoal.ini");
    ASSERT_EQ(r.config.nodes.size(), 1u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='h1' port='3333' dbname='ini-db' user='env-user'");
}

TEST(Config, SkipConfigIgnoresIni) {
    IniFile ini{"shoal.ini", "migdir=ini-mig\n"};
    ConfigResult r = parse({"digest", "--skip-config", "--migdir", "m"}, {}, ini);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.migdir, "m");
    EXPECT_EQ(r.config.ini_path, "");
}

TEST(Config, UnknownIniKeyIsUsageError) {
    ConfigResult r = parse({"digest"}, {{"PGMIGDIR", "m"}}, IniFile{"shoal.ini", "hostz=x\n"});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors[0].find("shoal.ini"), std::string::npos);
}

TEST(Config, PgMigFlagsAreAliases) {
    std::map<std::string, std::string> env = {{"PGMIGDIR", "mig"}};
    EXPECT_EQ(parse({"--make=add-users@sh"}, env).config.command, Command::New);
    EXPECT_EQ(parse({"--make=add-users@sh"}, env).config.new_name, "add-users@sh");
    EXPECT_EQ(parse({"--undo=20240101000000.a.sh"}, env).config.undo_version,
              "20240101000000.a.sh");
    EXPECT_EQ(parse({"--list"}, env).config.command, Command::List);
    EXPECT_EQ(parse({"--list=digest"}, env).config.command, Command::Digest);
    EXPECT_EQ(parse({"--chain"}, env).config.command, Command::Chain);
    ConfigResult apply = parse({"--migdir=m", "--hosts=h", "--port=5", "--user=u", "--pass=p",
                                "--db=d", "--parallelism=3", "--dry", "--force"});
    ASSERT_TRUE(apply.ok()) << apply.errors[0];
    EXPECT_EQ(apply.config.command, Command::Apply);
    EXPECT_TRUE(apply.config.dry);
    EXPECT_TRUE(apply.config.force);
    EXPECT_EQ(apply.config.nodes[0].conninfo, "host='h' port='5' dbname='d' user='u' password='p'");
}

TEST(Config, UriHostsKeepTheirOwnPartsAndQuoteValues) {
    ConfigResult r = parse({"check", "--migdir", "m", "--hosts",
                            "postgres://al%40ice:p%27w@db1:6432/app?sslmode=require", "--user",
                            "bob", "--db", "other"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.nodes[0].conninfo,
              "host='db1' port='6432' dbname='app' user='al@ice' password='p\\'w' "
              "sslmode='require'");
    EXPECT_EQ(r.config.nodes[0].display.find("p'w"), std::string::npos);
}

// Issue 17: a libpq multi-host URI is one node that libpq fails over within
// (target_session_attrs picks the primary), not one node per host; shoal's own
// list separators outside a URI's host list still separate nodes.
TEST(Config, MultiHostUriIsOneNode) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--hosts",
                            "postgres://h1:5432,h2:5433/app?target_session_attrs=read-write,"
                            "db3/app;postgres://h4,h5"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 3u);
    EXPECT_EQ(r.config.nodes[0].conninfo,
              "host='h1,h2' port='5432,5433' dbname='app' target_session_attrs='read-write'");
    EXPECT_EQ(r.config.nodes[0].display, "h1:5432,h2:5433/app");
    EXPECT_EQ(r.config.nodes[1].conninfo, "host='db3' dbname='app'");
    EXPECT_EQ(r.config.nodes[1].display, "db3:5432/app");
    EXPECT_EQ(r.config.nodes[2].conninfo, "host='h4,h5'");
    EXPECT_EQ(r.config.nodes[2].display, "h4:5432,h5:5432/");
}

TEST(Config, AFailoverListShowsItsPorts) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--hosts", "postgres://h:5432,h:5433/app"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.nodes[0].display, "h:5432,h:5433");
}

TEST(Config, UrisSeparatedByCommasAreNodesOfTheirOwn) {
    ConfigResult r =
        parse({"apply", "--migdir", "m", "--hosts", "postgres://a,postgresql://b/x,postgres://c"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 3u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='a'");
    EXPECT_EQ(r.config.nodes[1].conninfo, "host='b' dbname='x'");
    EXPECT_EQ(r.config.nodes[2].conninfo, "host='c'");
}

TEST(Config, BadUriNamesTheEntry) {
    for (const char *uri : {"postgres://db1:port/app", "postgres://db1/app?nosuchkey=1",
                            "mysql://db1/app", "postgres://db1:5432,db2:x/app"}) {
        ConfigResult r = parse({"apply", "--migdir", "m", "--hosts", std::string("db0,") + uri});
        ASSERT_FALSE(r.ok()) << uri;
        EXPECT_NE(r.errors[0].find(std::string("\"") + uri + "\""), std::string::npos)
            << r.errors[0];
    }
}

TEST(Config, UsageErrors) {
    EXPECT_FALSE(parse({"frobnicate"}).ok());
    EXPECT_FALSE(parse({"apply", "--nope"}, {{"PGMIGDIR", "m"}}).ok());
    EXPECT_FALSE(parse({"undo"}, {{"PGMIGDIR", "m"}}).ok());
    EXPECT_FALSE(parse({"new"}, {{"PGMIGDIR", "m"}}).ok());
    EXPECT_FALSE(parse({"digest"}).ok());  // no migration directory anywhere
    EXPECT_FALSE(parse({"apply", "--port", "x"}, {{"PGMIGDIR", "m"}}).ok());
    EXPECT_FALSE(parse({"apply", "--parallelism", "0"}, {{"PGMIGDIR", "m"}}).ok());
    EXPECT_FALSE(parse({"new", "--hosts", "h", "x@sh"}, {{"PGMIGDIR", "m"}}).ok());
}

TEST(Config, HelpPerCommandListsOptionsAndExitCodes) {
    ConfigResult r = parse({"undo", "--help"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.command, Command::Help);
    EXPECT_EQ(r.config.help_for, Command::Undo);
    std::string text = help_text(Command::Undo);
    EXPECT_NE(text.find("shoal undo VERSION"), std::string::npos);
    EXPECT_NE(text.find("--hosts"), std::string::npos);
    EXPECT_NE(text.find("Exit codes:"), std::string::npos);
    EXPECT_EQ(help_text(Command::Digest).find("--hosts"), std::string::npos);
    EXPECT_EQ(parse({"help", "apply"}).config.help_for, Command::Apply);
}

TEST(Config, LintKeepsItsOwnArguments) {
    ConfigResult r = parse({"lint", "--migdir", "m", "--all", "20240101000000.a.sh"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.command, Command::Lint);
    EXPECT_EQ(r.config.migdir, "m");
    EXPECT_EQ(r.config.lint_args, (std::vector<std::string>{"--all", "20240101000000.a.sh"}));
    // --json is every command's option (docs/json.md), lint's too.
    EXPECT_TRUE(parse({"lint", "--migdir", "m", "--json"}).config.json);
    EXPECT_TRUE(parse({"list", "--migdir", "m", "--json"}).config.json);
    EXPECT_EQ(parse({"lint", "--help"}).config.help_for, Command::Lint);
}

// A command line that does not parse is answered in JSON when --json is one
// of its words, before any --.
TEST(Config, AsksForJsonBeforeParsing) {
    EXPECT_TRUE(asks_for_json({"aply", "--json"}));
    EXPECT_TRUE(asks_for_json({"--json", "status", "--bogus"}));
    EXPECT_FALSE(asks_for_json({"list", "--", "--json"}));
    EXPECT_FALSE(asks_for_json({"list", "--jsonx"}));
    EXPECT_FALSE(asks_for_json({}));
}

// Issue 14, item 10: an unparsable node URI was echoed whole, password included.
TEST(DisplayableNodeSpec, MasksUriPasswords) {
    EXPECT_EQ(displayable_node_spec("postgres://app:Top/Secret-pw@db1:5432/app"),
              "postgres://app:***@db1:5432/app");
    EXPECT_EQ(displayable_node_spec("postgresql://app:p%40ss%2Fw@db1/app?sslmode=require"),
              "postgresql://app:***@db1/app?sslmode=require");
    EXPECT_EQ(displayable_node_spec("postgres://app:a@b@c:d@db1/app"),
              "postgres://app:***@db1/app");
    EXPECT_EQ(displayable_node_spec("postgres://app@db1/app"), "postgres://app@db1/app");
    EXPECT_EQ(displayable_node_spec("postgres://db1/app?user=x&password=s3cr3t&sslmode=require"),
              "postgres://db1/app?user=x&password=***&sslmode=require");
    EXPECT_EQ(displayable_node_spec("db1:5432/app"), "db1:5432/app");
}

TEST(DisplayableNodeSpec, MasksConninfoPasswords) {
    EXPECT_EQ(displayable_node_spec("host=db1 password=s3cr3t user=app"),
              "host=db1 password=*** user=app");
    EXPECT_EQ(displayable_node_spec("host=db1 password = 'a \\' secret' user=app"),
              "host=db1 password = *** user=app");
    EXPECT_EQ(displayable_node_spec("host=db1 PASSWORD=x sslpassword=y"),
              "host=db1 PASSWORD=*** sslpassword=***");
}

bool any_error_holds(const ConfigResult &r, const std::string &text) {
    for (const std::string &error : r.errors)
        if (error.find(text) != std::string::npos) return true;
    return false;
}

TEST(Config, BadHostsNeverShowThePassword) {
    const std::string uri = "postgres://app:Top/Secret-pw@db1:5432/app";
    const std::vector<ConfigResult> results = {
        parse({"apply", "--migdir", "m", "--hosts", uri}),
        parse({"apply", "--migdir", "m"}, {{"PGHOST", uri}}),
        parse({"apply", "--migdir", "m"}, {}, IniFile{"/x/shoal.ini", "hosts=" + uri + "\n"}),
        parse({"apply", "--migdir", "m", "--hosts", "host=db1 password=Top/Secret-pw port=x"}),
        parse({"apply", "--migdir", "m", "--hosts", "host=db1 password = Top/Secret-pw foo"}),
        parse({"apply", "--migdir", "m"}, {}, IniFile{"/x/shoal.ini", "password Top/Secret-pw\n"}),
        parse({"apply", "--migdir", "m", "--hosts", "host=db1 password='Top/Secret-pw"}),
        parse({"apply", "--migdir", "m"}, {{"SHOAL_HOSTS", "host=db1 password=Top/Secret-pw x"}}),
    };
    for (const ConfigResult &r : results) {
        ASSERT_FALSE(r.ok());
        EXPECT_FALSE(any_error_holds(r, "Secret")) << r.errors[0];
        EXPECT_FALSE(any_error_holds(r, "Top/")) << r.errors[0];
    }
    EXPECT_TRUE(any_error_holds(results[0], "postgres://app:***@db1:5432/app"));
    EXPECT_TRUE(any_error_holds(results[5], "/x/shoal.ini:1"));
    // libpq's own message, for the string with its password masked.
    EXPECT_TRUE(any_error_holds(results[4], "missing \"=\" after \"foo\""));
    EXPECT_TRUE(any_error_holds(results[6], "password value is malformed"));
}

TEST(Config, NodeDisplayNeverHoldsAPassword) {
    ConfigResult r =
        parse({"apply", "--migdir", "m", "--hosts", "postgres://app:s3cr3t@db1/app,db2/app"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    for (const NodeSpec &node : r.config.nodes)
        EXPECT_EQ(node.display.find("s3cr3t"), std::string::npos);
}

// Issue 18, item 8: a node may be any libpq connection string; one with a
// failover host list is one node, and its commas are not shoal's separators.
TEST(Config, ConninfoEntriesAreNodesSeparatedBySemicolons) {
    ConfigResult r = parse({"status", "--migdir", "m", "--user", "u", "--hosts",
                            "host=a,b port=5432,5433 target_session_attrs=read-write dbname=app;"
                            "service=shard2\n db3:5434/app"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 3u);
    EXPECT_EQ(r.config.nodes[0].conninfo,
              "host='a,b' port='5432,5433' dbname='app' user='u' "
              "target_session_attrs='read-write'");
    EXPECT_EQ(r.config.nodes[0].display, "a:5432,b:5433/app");
    // A service file gives its node's settings (then libpq's environment), not --user.
    EXPECT_EQ(r.config.nodes[1].conninfo, "service='shard2'");
    EXPECT_EQ(r.config.nodes[1].display, "service=shard2/");
    EXPECT_EQ(r.config.nodes[2].conninfo, "host='db3' port='5434' dbname='app' user='u'");
}

TEST(Config, AConninfoIsOneNodeWhateverItsSpacesAndQuotes) {
    ConfigResult r =
        parse({"check", "--migdir", "m", "--hosts", "host=db1 password='a;b c' dbname = app"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 1u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='db1' dbname='app' password='a;b c'");
}

TEST(Config, BadConninfoGivesLibpqsMessage) {
    ConfigResult r = parse({"status", "--migdir", "m", "--hosts", "host=a nosuchkey=1"});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors[0].find("invalid connection option \"nosuchkey\""), std::string::npos)
        << r.errors[0];
    r = parse({"status", "--migdir", "m", "--hosts", "host=a port=x"});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors[0].find("port"), std::string::npos) << r.errors[0];
}

// SHOAL_HOSTS: commas are libpq's (one node's failover hosts), so PGHOST can
// stay what psql and pg_dump read; it comes before PGHOST, --hosts before it.
TEST(Config, ShoalHostsHasLibpqsCommasAndBeatsPghost) {
    std::map<std::string, std::string> env = {{"PGHOST", "127.0.0.1"},
                                              {"SHOAL_HOSTS", "a,b:5433/app;c:5433/app\n"}};
    ConfigResult r = parse({"status", "--migdir", "m"}, env);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='a,b' port='5433' dbname='app'");
    EXPECT_EQ(r.config.nodes[1].conninfo, "host='c' port='5433' dbname='app'");
    r = parse({"status", "--migdir", "m", "--hosts", "x,y"}, env);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='x'");
    // pg-mig's PGHOST keeps its meaning: a comma separates nodes.
    r = parse({"status", "--migdir", "m"}, {{"PGHOST", "a,b"}});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.nodes.size(), 2u);
}

// Issue 18, item 9: shoal.ini as people expect.
TEST(Config, IniMigdirIsRelativeToTheIniFile) {
    IniFile ini{"/repo/db/shoal.ini", "migdir = migrations\n"};
    EXPECT_EQ(parse({"digest"}, {}, ini).config.migdir, "/repo/db/migrations");
    ini.text = "migdir=/abs/mig\n";
    EXPECT_EQ(parse({"digest"}, {}, ini).config.migdir, "/abs/mig");
    // The command line and the environment are relative to where you stand.
    EXPECT_EQ(parse({"digest", "--migdir", "m"}, {}, ini).config.migdir, "m");
}

TEST(Config, IniValuesLoseTheirQuotes) {
    IniFile ini{"/x/shoal.ini", "migdir = \"my migrations\"\nuser='app'\nhosts=\"h1,h2\"\n"};
    ConfigResult r = parse({"status"}, {}, ini);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.migdir, "/x/my migrations");
    ASSERT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='h1' user='app'");
}

TEST(Config, IniSectionsAreChosenWithEnv) {
    IniFile ini{"/x/shoal.ini",
                "migdir=mig\nhosts=dev1\n\n[production]\nhosts=p1,p2\nuser=deploy\n"
                "[staging]\nhosts=s1\n"};
    ConfigResult r = parse({"status"}, {}, ini);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 1u);
    EXPECT_EQ(r.config.nodes[0].conninfo, "host='dev1'");
    r = parse({"status", "--env", "production"}, {}, ini);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.nodes.size(), 2u);
    EXPECT_EQ(r.config.nodes[1].conninfo, "host='p2' user='deploy'");
    EXPECT_EQ(r.config.migdir, "/x/mig");

    r = parse({"status", "--env", "prod"}, {}, ini);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r,
                                "/x/shoal.ini has no [prod] section (it has [production], "
                                "[staging])"))
        << r.errors[0];
    r = parse({"status", "--env", "production", "--migdir", "m"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "--env production: no shoal.ini was read")) << r.errors[0];
}

TEST(Config, UnknownIniKeyNamesItsLine) {
    ConfigResult r = parse({"digest"}, {{"PGMIGDIR", "m"}},
                           IniFile{"/x/shoal.ini", "# fleet\nmigdir=m\n[staging]\nhostz=x\n"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "/x/shoal.ini:4: unknown key \"hostz\" (did you mean `hosts`?)"))
        << r.errors[0];
    r = parse({"digest"}, {}, IniFile{"/x/shoal.ini", "migdir=a\nmigdir=b\n"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "/x/shoal.ini:2: migdir is given twice (first at line 1)"));
}

// Issue 18, item 10: typos are named, never guessed.
TEST(Config, OptionsAreNeverMatchedByPrefix) {
    ConfigResult r = parse({"apply", "--migdir", "m", "--can", "3"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "(did you mean `--canary`?)")) << r.errors[0];
    r = parse({"apply", "--migdir", "m", "--dry-rnu"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "(did you mean `--dry-run`?)")) << r.errors[0];
    r = parse({"status", "--migdir", "m", "--hots", "h"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "(did you mean `--hosts`?)")) << r.errors[0];
}

TEST(Config, UnknownCommandSuggestsTheNearest) {
    ConfigResult r = parse({"aply"});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(any_error_holds(r, "unknown command \"aply\" (did you mean `apply`?)"))
        << r.errors[0];
    r = parse({"stauts"});
    EXPECT_TRUE(any_error_holds(r, "(did you mean `status`?)")) << r.errors[0];
    r = parse({"frobnicate"});
    EXPECT_FALSE(any_error_holds(r, "did you mean")) << r.errors[0];
}

TEST(Config, UndoYesAndChainCheck) {
    std::map<std::string, std::string> env = {{"PGMIGDIR", "m"}};
    EXPECT_TRUE(parse({"undo", "v", "--yes"}, env).config.yes);
    EXPECT_FALSE(parse({"undo", "v"}, env).config.yes);
    EXPECT_FALSE(parse({"apply", "--yes"}, env).ok());
    EXPECT_TRUE(parse({"chain", "--check"}, env).config.chain_check);
    EXPECT_FALSE(parse({"status", "--check"}, env).ok());
}

// Schema as code: generate needs its NAME@PREFIX; the desired schema comes from
// --schema-dir, else shoal.ini's schema= (relative to the file), else schema/.
TEST(Config, GenerateAndDumpOptions) {
    EXPECT_FALSE(parse({"generate", "--migdir", "m"}).ok());
    EXPECT_FALSE(parse({"dump", "--migdir", "m", "--allow-hazard", "drop-table"}).ok());
    EXPECT_FALSE(parse({"apply", "--migdir", "m", "--schema-dir", "s"}).ok());
    ConfigResult r = parse({"generate", "add-x@sh", "--migdir", "m", "--check", "--allow-hazard",
                            "drop-table", "--allow-hazard", "drop-column"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.generate_name, "add-x@sh");
    EXPECT_TRUE(r.config.generate_check);
    EXPECT_EQ(r.config.allowed_hazards, (std::vector<std::string>{"drop-table", "drop-column"}));
    EXPECT_EQ(r.config.schema_dir, "schema");
    r = parse({"generate", "add-x@sh"}, {},
              IniFile{"/x/shoal.ini", "migdir=m\nschema=db/schema\n"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.schema_dir, "/x/db/schema");
    r = parse({"dump", "--schema", "sh0042", "--out", "o", "--schema-dir", "s", "--migdir", "m"});
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.dump_schema + " " + r.config.dump_out + " " + r.config.schema_dir,
              "sh0042 o s");
}

}  // namespace
}  // namespace shoal
