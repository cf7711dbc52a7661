// Replays every input the fuzzers once crashed on (tests/fuzz/regressions/TARGET/*) through
// the same entry points and invariant checks as the libFuzzer targets, so the normal build
// and the ASan/UBSan build of the suite keep them fixed. Each input runs to completion with a
// result that keeps the invariants; a memory error shows in the sanitized build.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_checks.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_of(const std::string& target) {
    std::vector<fs::path> files;
    const fs::path dir = fs::path(AUTODNS_SOURCE_DIR) / "tests/fuzz/regressions" / target;
    if (fs::is_directory(dir)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
                files.push_back(entry.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename Check>
void replay(const std::string& target, Check check) {
    const std::vector<fs::path> files = inputs_of(target);
    for (const fs::path& file : files) {
        INFO(target << ": " << file.filename().string());
        const std::string bytes = read_bytes(file);
        const std::string broken =
            check(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        CHECK(broken == "");
    }
    SUCCEED(target << ": " << files.size() << " input(s) replayed");
}

}  // namespace

TEST_CASE("fuzz regressions: mail", "[fuzz_regressions]") {
    replay("fuzz_mail", autodns::fuzz::check_mail);
}

TEST_CASE("fuzz regressions: push body", "[fuzz_regressions]") {
    replay("fuzz_push", autodns::fuzz::check_push);
}

TEST_CASE("fuzz regressions: payload parsers", "[fuzz_regressions]") {
    using namespace autodns::fuzz;
    const std::pair<const char*, const char*> targets[] = {
        {"fuzz_parse_json", kJsonType},
        {"fuzz_parse_xml", kXmlType},
        {"fuzz_parse_epp", kEppType},
        {"fuzz_parse_standard", kTextType},
    };
    for (const auto& [target, type] : targets) {
        replay(target, [type = type](const std::uint8_t* data, std::size_t size) {
            return check_payload(data, size, type);
        });
    }
}
