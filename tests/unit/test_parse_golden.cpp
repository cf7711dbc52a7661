// Every payload in samples/payloads against the expected files beside it (samples/README.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "parse/parse.hpp"
#include "parse/record_json.hpp"
#include "parse_support.hpp"

using namespace autodns;
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::vector<fs::path> payloads() {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(testing::source_path("samples/payloads"))) {
        const std::string name = entry.path().filename().string();
        if (ends_with(name, ".expected.jsonl") || ends_with(name, ".expected-error")) continue;
        out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

const char* status_name(ParseStatus s) {
    switch (s) {
        case ParseStatus::ok:
            return "ok";
        case ParseStatus::not_notification:
            return "not_notification";
        case ParseStatus::malformed:
            return "malformed";
    }
    return "?";
}

}  // namespace

TEST_CASE("golden: every sample payload gives its expected records", "[parse_golden]") {
    const auto files = payloads();
    REQUIRE(files.size() >= 32);  // every seed example
    for (const fs::path& file : files) {
        const std::string path = file.string();
        INFO(path);
        REQUIRE(fs::exists(path + ".expected.jsonl"));
        const auto expected = lines_of(testing::read_file(path + ".expected.jsonl"));
        const ParseResult r = testing::parse_text(testing::read_file(path));
        if (fs::exists(path + ".expected-error")) {
            CHECK(expected.empty());
            const auto error = lines_of(testing::read_file(path + ".expected-error"));
            REQUIRE(error.size() == 2);
            CHECK(status_name(r.status) == error[0]);
            INFO("error: " << r.error);
            CHECK(r.error.find(error[1]) != std::string::npos);
            CHECK(r.notifications.empty());
            continue;
        }
        INFO("error: " << r.error);
        CHECK(r.status == ParseStatus::ok);
        std::vector<std::string> got;
        for (const Notification& n : r.notifications) got.push_back(record_to_json(n));
        CHECK(got == expected);
    }
}

TEST_CASE("golden: the same message in JSON and XML gives the same identity", "[parse_golden]") {
    const std::map<std::int64_t, std::string> pairs = {
        {1005491836, "003-autoupdate_dns_success-poll"},
        {1005373215, "003-autoupdate_deferred_success-poll"},
        {1005373399, "003-autoupdate_deferred_error-poll"},
    };
    for (const auto& [id, base] : pairs) {
        INFO(base);
        const ParseResult json = testing::parse_fixture("samples/payloads/" + base + ".json");
        const ParseResult xml = testing::parse_fixture("samples/payloads/" + base + ".xml");
        REQUIRE(json.status == ParseStatus::ok);
        REQUIRE(xml.status == ParseStatus::ok);
        REQUIRE(json.notifications.size() == 1);
        REQUIRE(xml.notifications.size() == 1);
        const Notification& a = json.notifications[0];
        const Notification& b = xml.notifications[0];
        CHECK(a.id == id);
        CHECK(a.key == "id:" + std::to_string(id));
        CHECK(a.key == b.key);
        CHECK(a.id == b.id);
        CHECK(a.kind == b.kind);
        CHECK(a.type == b.type);
        CHECK(a.object.type == b.object.type);
        CHECK(a.object.value == b.object.value);
        CHECK(a.stid == b.stid);
        CHECK(a.format == Format::json);
        CHECK(b.format == Format::xml);
    }
}

TEST_CASE("golden: records survive the JSON round trip", "[parse_golden]") {
    for (const fs::path& file : payloads()) {
        const ParseResult r = testing::parse_text(testing::read_file(file.string()));
        for (const Notification& n : r.notifications) {
            INFO(file.string());
            CHECK(record_to_json(record_from_json(record_to_json(n))) == record_to_json(n));
        }
    }
}
