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
               "[parse]\nmax-payload-size = 500\nmax-nesting = 64\n[handler.log]\ntype = jsonl\n");
    Config config;
    parse({"--config", ini, "--max-nesting", "32"}, config);
    CHECK(config.db_path == "/tmp/x.sqlite");
    CHECK(config.mail_policy.allowed_from_domains == std::vector<std::string>{"autodns.example"});
    CHECK(config.max_input_bytes == 1000);
    CHECK(config.parse_limits.max_bytes == 500);
    CHECK(config.parse_limits.max_depth == 32);
    CHECK(config.sections["handler.log.type"] == std::vector<std::string>{"jsonl"});
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
