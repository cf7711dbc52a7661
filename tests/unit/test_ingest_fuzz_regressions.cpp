// Replays every input the fuzzers once crashed on (tests/fuzz/regressions/TARGET/*) and the
// minimized corpus of a real fuzzing run of each target (tests/fuzz/corpus/TARGET/*, written by
// `tests/fuzz/run.sh keep`) through the same entry points and invariant checks as the
// libFuzzer targets, so the normal build and the ASan/UBSan build of the suite keep them
// fixed. Each input runs to completion within a time bound with a result that keeps the
// invariants; a memory error shows in the sanitized build. A target without a corpus fails.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_checks.hpp"

namespace fs = std::filesystem;

namespace {

// Seconds one input may take (libFuzzer's -timeout is 10 s; the sanitizers are slower).
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSecondsPerInput = 10.0;
#else
constexpr double kSecondsPerInput = 2.0;
#endif

std::vector<fs::path> inputs_of(const std::string& target,
                                const char* folder = "tests/fuzz/regressions") {
    std::vector<fs::path> files;
    const fs::path dir = fs::path(AUTODNS_SOURCE_DIR) / folder / target;
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
void replay_files(const std::string& target, const std::vector<fs::path>& files, Check check) {
    for (const fs::path& file : files) {
        INFO(target << ": " << file.filename().string());
        const std::string bytes = read_bytes(file);
        const auto started = std::chrono::steady_clock::now();
        const std::string broken =
            check(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        CHECK(broken == "");
        CHECK(took.count() < kSecondsPerInput);
    }
    SUCCEED(target << ": " << files.size() << " input(s) replayed");
}

// The crash inputs of a target (often none) and its kept corpus (never empty).
template <typename Check>
void replay(const std::string& target, Check check) {
    replay_files(target, inputs_of(target), check);
    const std::vector<fs::path> corpus = inputs_of(target, "tests/fuzz/corpus");
    INFO(target << ": tests/fuzz/corpus/" << target
                << " is empty or missing (tests/fuzz/run.sh TARGET SECONDS, then keep TARGET)");
    REQUIRE(!corpus.empty());
    replay_files(target, corpus, check);
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
