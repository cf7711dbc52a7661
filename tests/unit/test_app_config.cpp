// Command line and INI file (app/config.hpp).
#include <catch2/catch.hpp>

#include "app/config.hpp"
#include "core/errors.hpp"
#include "temp_dir.hpp"

using namespace autodns;

namespace {

po::variables_map parse(const std::vector<std::string>& args, Config& config) {
    po::options_description visible;
    visible.add(common_options()).add(mail_options());
    return parse_command_line(args, visible, {}, config);
}

}  // namespace

TEST_CASE("config: the INI file sets limits and policy, the command line wins", "[config]") {
    TempDir dir;
    const std::string ini = dir / "config.ini";
    // Regression: the description the file was parsed against was a temporary, destroyed
    // before the parsed options were stored (a use after free that ASan reports).
    write_text(ini,
               "db = /tmp/x.sqlite\n[mail]\nallow-from = autodns.example\nmax-size = 1000\n"
               "[parse]\nmax-payload-size = 500\nmax-nesting = 64\n[handler.log]\nkind = jsonl\n"
               "path = /tmp/x.jsonl\n");
    Config config;
    parse({"--config", ini, "--max-nesting", "32"}, config);
    CHECK(config.db_path == "/tmp/x.sqlite");
    CHECK(config.mail_policy.allowed_from_domains == std::vector<std::string>{"autodns.example"});
    CHECK(config.max_input_bytes == 1000);
    CHECK(config.parse_limits.max_bytes == 500);
    CHECK(config.parse_limits.max_depth == 32);
    CHECK(config.sections["handler.log.kind"] == std::vector<std::string>{"jsonl"});
}

TEST_CASE("config: a nesting limit above the ceiling is refused", "[config]") {
    TempDir dir;
    Config config;
    CHECK_THROWS_AS(parse({"--max-nesting", "1025"}, config), po::error);
    const std::string ini = dir / "config.ini";
    write_text(ini, "[parse]\nmax-nesting = 5000\n");
    Config from_file;
    CHECK_THROWS_AS(parse({"--config", ini}, from_file), FatalError);
    Config at_ceiling;
    parse({"--max-nesting", std::to_string(kMaxPayloadDepthCeiling)}, at_ceiling);
    CHECK(at_ceiling.parse_limits.max_depth == kMaxPayloadDepthCeiling);
}

TEST_CASE("config: a key or section nothing reads is refused with its line and a near miss",
          "[config]") {
    TempDir dir;
    const std::string ini = dir / "config.ini";
    write_text(ini, "db = /tmp/x.sqlite\n[serve]\nlisten = 127.0.0.1:0\npath-tokn = abc\n");
    Config config;
    try {
        parse({"--config", ini}, config);
        FAIL("no error for path-tokn");
    } catch (const FatalError& e) {
        CHECK(std::string(e.what()) == "config file " + ini +
                                           " line 4: unknown key 'path-tokn' in [serve] (did "
                                           "you mean 'path-token'?)");
    }
    write_text(ini, "[handler.log]\nkind = jsonl\n");  // no path: refused by every command
    Config broken_handler;
    CHECK_THROWS_AS(parse({"--config", ini}, broken_handler), FatalError);
}

TEST_CASE("config: -v is counted in every spelling and never takes a value", "[config]") {
    std::vector<std::string> rest;
    CHECK(count_verbosity({"-v", "file", "-vv", "--verbose", "--verbose=3", "--", "-v"}, rest) ==
          7);
    CHECK(rest == std::vector<std::string>{"file", "--", "-v"});
    std::vector<std::string> ignored;
    CHECK_THROWS_AS(count_verbosity({"--verbose=x"}, ignored), po::error);
}
