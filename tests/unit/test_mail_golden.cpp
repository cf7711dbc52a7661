// Every sample mail (samples/mail/**.eml) through the whole mail pipeline (MIME extraction,
// candidate choice, parsers) against the records or the verdict written beside it. How the
// expected records of samples/mail/messy/ were made and are checked: see the last test.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "ingest/pipeline.hpp"
#include "parse/record_json.hpp"
#include "util/io.hpp"

#include <nlohmann/json.hpp>

using namespace autodns;

namespace {

void find_mails(const std::string& dir, std::vector<std::string>& out) {
    DIR* d = opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            find_mails(path, out);
        } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".eml") == 0) {
            out.push_back(path);
        }
    }
    closedir(d);
}

std::vector<std::string> lines_of(const std::string& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

const char* verdict_label(Verdict v) {
    switch (v) {
        case Verdict::notifications:
            return "notifications";
        case Verdict::not_notification:
            return "not_notification";
        case Verdict::malformed:
            return "malformed";
        case Verdict::untrusted:
            return "untrusted";
    }
    return "?";
}

}  // namespace

TEST_CASE("golden: every sample mail gives its expected records or verdict", "[golden][mail]") {
    std::vector<std::string> mails;
    find_mails(std::string(AUTODNS_SOURCE_DIR) + "/samples/mail", mails);
    std::sort(mails.begin(), mails.end());
    REQUIRE(mails.size() >= 25);
    int with_records = 0;
    for (const std::string& path : mails) {
        INFO(path);
        const auto raw = util::read_file(path);
        REQUIRE(raw);
        const Analysis a = analyze_mail(*raw, MailPolicy{}, MimeLimits{});
        const std::vector<std::string> expected = lines_of(path + ".expected.jsonl");
        if (!expected.empty()) {
            ++with_records;
            REQUIRE(a.verdict == Verdict::notifications);
            REQUIRE(a.notifications.size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                CHECK(record_to_json(a.notifications[i]) == expected[i]);
            }
        } else {
            const std::vector<std::string> error = lines_of(path + ".expected-error");
            REQUIRE(error.size() == 2);
            CHECK(verdict_label(a.verdict) == error[0]);
            CHECK(a.reason.find(error[1]) != std::string::npos);
        }
    }
    CHECK(with_records >= 18);
}

TEST_CASE("golden: the same notification by mail and as a bare payload is one key",
          "[golden][mail]") {
    const std::string dir = std::string(AUTODNS_SOURCE_DIR) + "/samples/";
    const auto mail = util::read_file(dir + "mail/json-push-1005491844-utf8-7bit-body.eml");
    const auto body = util::read_file(dir + "payloads/003-autoupdate_dns_success-push.json");
    REQUIRE(mail);
    REQUIRE(body);
    const Analysis by_mail = analyze_mail(*mail, MailPolicy{}, MimeLimits{});
    const Analysis by_push = analyze_payload(*body, "application/json", "push");
    REQUIRE(by_mail.notifications.size() == 1);
    REQUIRE(by_push.notifications.size() == 1);
    CHECK(by_mail.notifications[0].key == by_push.notifications[0].key);
    CHECK(record_to_json(by_mail.notifications[0]) == record_to_json(by_push.notifications[0]));
}

// The expected records of samples/mail/messy/ are not the program's output: each is the golden
// record of a payload in samples/payloads/ (checked there), copied by
// tests/tools/make_messy_corpus.py with only the documented edits — "format" set to
// "standard" for a notification found after prose, and the cp1252 mail's notice. This test
// holds the corpus to that: every expected line is a payload's golden line after at most
// those edits.
TEST_CASE("golden: the messy corpus expects the payloads' own records", "[golden][mail]") {
    const std::string root = std::string(AUTODNS_SOURCE_DIR) + "/samples/";
    std::vector<nlohmann::json> payload_records;
    DIR* d = opendir((root + "payloads").c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 15 && name.compare(name.size() - 15, 15, ".expected.jsonl") == 0)
            for (const std::string& line : lines_of(root + "payloads/" + name))
                payload_records.push_back(nlohmann::json::parse(line));
    }
    closedir(d);
    std::vector<std::string> mails;
    find_mails(root + "mail/messy", mails);
    REQUIRE(mails.size() >= 20);
    std::size_t records = 0;
    for (const std::string& path : mails) {
        for (const std::string& line : lines_of(path + ".expected.jsonl")) {
            INFO(path << ": " << line);
            nlohmann::json want = nlohmann::json::parse(line);
            const bool euro = path.find("cp1252") != std::string::npos;
            const bool found =
                std::any_of(payload_records.begin(), payload_records.end(), [&](nlohmann::json r) {
                    if (want["format"] == "standard") r["format"] = "standard";
                    if (euro) r["notice"] = want["notice"];
                    return r == want;
                });
            CHECK(found);
            if (euro)
                CHECK(want["notice"].get<std::string>().find("\xE2\x82\xAC") != std::string::npos);
            ++records;
        }
    }
    CHECK(records >= 17);
}
