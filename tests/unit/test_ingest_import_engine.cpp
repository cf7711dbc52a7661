#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "ingest/import_engine.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "util/io.hpp"

using namespace autodns;
namespace fs = std::filesystem;

namespace {

const std::string samples = std::string(AUTODNS_SOURCE_DIR) + "/samples";

std::string sample(const std::string& name) {
    auto raw = util::read_file(samples + "/mail/" + name);
    REQUIRE(raw);
    return *raw;
}

// Three mails with one notification each (different keys), a re-sent copy of the first (other
// bytes, same key), a malformed notification mail and a mail that is no notification.
const char* const notification_a = "json-push-1005491844-utf8-7bit-body.eml";
const char* const notification_b = "xml-push-1005491840-utf8-7bit-body.eml";
const char* const notification_c = "epp-poll-880369-utf8-body.eml";
const char* const malformed = "broken/truncated-multipart.eml";
const char* const not_notification = "other/bounce-dsn.eml";

void make_maildir(const std::string& md) {
    for (const char* d : {"", "/new", "/cur", "/tmp"}) ::mkdir((md + d).c_str(), 0700);
}

std::unique_ptr<Store> open_at(const StoreOptions& options) {
    return open_store(options);
}

StoreOptions options_for(const std::string& path) {
    StoreOptions o;
    o.location = path;
    o.durable_ack = true;
    o.workload = StoreWorkload::bulk_load;
    return o;
}

struct Run {
    ImportTotals totals;
    std::vector<std::string> warnings;
    // (locator, outcome, new, duplicate) of every recorded mail, in the order recorded.
    std::vector<std::tuple<std::string, int, int, int>> recorded;
    std::vector<std::uint64_t> progress;
};

Run import(const std::vector<std::string>& paths, const StoreOptions& options,
           ImportSettings settings) {
    Run run;
    ImportHooks hooks;
    hooks.warn = [&](const std::string& m) { run.warnings.push_back(m); };
    hooks.recorded = [&](const std::string& locator, const IngestReport& r, const Analysis&) {
        run.recorded.emplace_back(locator, int(r.outcome), r.new_count, r.duplicate_count);
    };
    hooks.progress = [&](std::uint64_t mails) { run.progress.push_back(mails); };
    const ImportSource source = list_import_source(paths, hooks.warn);
    auto store = open_at(options);
    run.totals = run_import(source, *store, options, settings, hooks);
    return run;
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE(
    "import engine: a Maildir is stored, duplicates recognized, bad mail quarantined, "
    "new/ marked seen after the commit",
    "[import_engine]") {
    TempDir dir;
    const std::string md = dir / "md";
    make_maildir(md);
    write_text(md + "/new/1.host", sample(notification_a));
    write_text(md + "/new/2.host", sample(notification_b));
    // The same notification re-sent: other bytes, same key.
    write_text(md + "/new/3.host", "X-Resent: yes\n" + sample(notification_a));
    write_text(md + "/new/4.host", sample(malformed));
    write_text(md + "/cur/5.host:2,S", sample(notification_c));
    write_text(md + "/cur/6.host:2,S", sample(not_notification));

    ImportSettings settings;
    settings.mark_seen = true;
    settings.jobs = 2;
    const StoreOptions options = options_for(dir / "db.sqlite");
    Run run = import({md}, options, settings);

    CHECK(run.warnings.empty());
    CHECK(run.totals.mails == 6);
    CHECK(run.totals.notifications == 4);
    CHECK(run.totals.fresh == 3);
    CHECK(run.totals.duplicate == 1);
    CHECK(run.totals.quarantined == 2);
    CHECK(run.totals.skipped == 0);
    CHECK(run.totals.errors == 0);
    CHECK(run.progress == std::vector<std::uint64_t>{6});

    auto store = open_at(options);
    const StoreCounts counts = store->counts();
    CHECK(counts.notifications == 3);
    CHECK(counts.receipts == 4);
    CHECK(counts.quarantined == 2);
    const auto quarantine = store->list_quarantine();
    REQUIRE(quarantine.size() == 2);
    std::vector<std::string> locators;
    for (const auto& q : quarantine) locators.push_back(q.locator);
    std::sort(locators.begin(), locators.end());
    CHECK(locators == std::vector<std::string>{md + "/cur/6.host:2,S", md + "/new/4.host"});
    for (const auto& q : quarantine) {
        if (q.locator == md + "/new/4.host") {
            CHECK(q.raw == sample(malformed));  // byte for byte
            CHECK_FALSE(q.reason.empty());
        }
    }

    // Everything of new/ moved to cur/ with the Seen flag; cur/ as it was.
    CHECK(names_in(md + "/new").empty());
    CHECK(names_in(md + "/cur") == std::vector<std::string>{"1.host:2,S", "2.host:2,S",
                                                            "3.host:2,S", "4.host:2,S",
                                                            "5.host:2,S", "6.host:2,S"});

    // A second run finds every mail recorded and parses none of them.
    Run again = import({md}, options, settings);
    CHECK(again.totals.mails == 6);
    CHECK(again.totals.skipped == 6);
    CHECK(again.totals.notifications == 0);
    CHECK(again.totals.fresh == 0);
    CHECK(again.totals.quarantined == 0);
    CHECK(again.recorded.empty());
    CHECK(open_at(options)->counts().receipts == 4);
}

TEST_CASE("import engine: without mark_seen the archive is left as it is", "[import_engine]") {
    TempDir dir;
    const std::string md = dir / "md";
    make_maildir(md);
    write_text(md + "/new/1.host", sample(notification_a));
    write_text(md + "/new/2.host", sample(notification_b));
    Run run = import({md}, options_for(dir / "db.sqlite"), ImportSettings{});
    CHECK(run.totals.fresh == 2);
    CHECK(names_in(md + "/new") == std::vector<std::string>{"1.host", "2.host"});
    CHECK(names_in(md + "/cur").empty());
}

TEST_CASE("import engine: mbox messages are stored with their position as locator",
          "[import_engine]") {
    TempDir dir;
    const std::string box = dir / "box";
    const std::string first = "From a@b Mon Jan  1 00:00:00 2024\n" + sample(notification_a);
    const std::string second = "From a@b Tue Jan  2 00:00:00 2024\n" + sample(notification_b);
    const std::string third = "From a@b Wed Jan  3 00:00:00 2024\n" + sample(not_notification);
    write_text(box, first + "\n" + second + "\n" + third);

    ImportSettings settings;
    settings.mark_seen = true;  // nothing to move in an mbox
    const StoreOptions options = options_for(dir / "db.sqlite");
    const ImportSource source = list_import_source({box}, {});
    CHECK(source.has_mbox);
    CHECK(source.known_mails() == 0);
    Run run = import({box}, options, settings);
    CHECK(run.warnings.empty());
    CHECK(run.totals.mails == 3);
    CHECK(run.totals.fresh == 2);
    CHECK(run.totals.quarantined == 1);
    REQUIRE(run.recorded.size() == 3);
    CHECK(std::get<0>(run.recorded[0]) == "mbox:" + box + "#1@0");
    CHECK(std::get<0>(run.recorded[1]).rfind("mbox:" + box + "#2@", 0) == 0);
    CHECK(std::get<0>(run.recorded[2]).rfind("mbox:" + box + "#3@", 0) == 0);
    CHECK(*util::read_file(box) == first + "\n" + second + "\n" + third);  // never modified

    Run again = import({box}, options, settings);
    CHECK(again.totals.skipped == 3);
    CHECK(open_at(options)->counts().notifications == 2);
}

TEST_CASE("import engine: unlistable paths and vanished files are errors, the rest is stored",
          "[import_engine]") {
    TempDir dir;
    const std::string md = dir / "md";
    make_maildir(md);
    write_text(md + "/new/1.host", sample(notification_a));
    write_text(md + "/new/2.host", sample(notification_b));

    std::vector<std::string> warnings;
    const auto warn = [&](const std::string& m) { warnings.push_back(m); };
    const ImportSource source = list_import_source({md, dir / "missing"}, warn);
    CHECK(source.listing_errors == 1);
    CHECK(source.files == 2);
    CHECK(source.known_mails() == 2);
    REQUIRE(warnings.size() == 1);
    ::unlink((md + "/new/2.host").c_str());  // gone between listing and reading

    ImportSettings settings;
    settings.mark_seen = true;
    const StoreOptions options = options_for(dir / "db.sqlite");
    auto store = open_at(options);
    ImportHooks hooks;
    hooks.warn = warn;
    const ImportTotals totals = run_import(source, *store, options, settings, hooks);
    CHECK(totals.mails == 1);
    CHECK(totals.fresh == 1);
    CHECK(totals.errors == 2);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1].find(md + "/new/2.host: cannot read:") == 0);
    CHECK(names_in(md + "/cur") == std::vector<std::string>{"1.host:2,S"});
}

TEST_CASE("import engine: a mail over the input limit is quarantined unparsed", "[import_engine]") {
    TempDir dir;
    const std::string md = dir / "md";
    make_maildir(md);
    write_text(md + "/new/1.host", sample(notification_a));
    ImportSettings settings;
    settings.max_input_bytes = 100;
    const StoreOptions options = options_for(dir / "db.sqlite");
    Run run = import({md}, options, settings);
    CHECK(run.totals.mails == 1);
    CHECK(run.totals.quarantined == 1);
    CHECK(run.totals.notifications == 0);
    const auto quarantine = open_at(options)->list_quarantine();
    REQUIRE(quarantine.size() == 1);
    CHECK(quarantine[0].reason.find("mail too large") != std::string::npos);
}

TEST_CASE(
    "import engine: 1 and 4 jobs record the same mails in the same order with the same "
    "totals",
    "[import_engine]") {
    TempDir dir;
    const std::string md = dir / "md";
    fs::copy(samples + "/maildir", md, fs::copy_options::recursive);

    ImportSettings settings;
    settings.chunk_mails = 7;  // many chunks, and a last one that is not full
    settings.mark_seen = true;
    settings.jobs = 1;
    const ImportSource source = list_import_source({md}, {});
    Run one = import({md}, options_for(dir / "one.sqlite"), settings);
    // The mails are marked seen: put them back for the second run.
    fs::remove_all(md);
    fs::copy(samples + "/maildir", md, fs::copy_options::recursive);
    settings.jobs = 4;
    Run four = import({md}, options_for(dir / "four.sqlite"), settings);

    // samples/README.md: 229 mails, 219 notifications, 182 new, 37 duplicate, 10 quarantined.
    for (const Run* run : {&one, &four}) {
        CHECK(run->warnings.empty());
        CHECK(run->totals.mails == 229);
        CHECK(run->totals.notifications == 219);
        CHECK(run->totals.fresh == 182);
        CHECK(run->totals.duplicate == 37);
        CHECK(run->totals.quarantined == 10);
        CHECK(run->totals.errors == 0);
        CHECK(run->progress.size() == (229 + 6) / 7);
        CHECK(run->progress.back() == 229);
    }
    CHECK(one.recorded == four.recorded);
    // In the order listed.
    REQUIRE(one.recorded.size() == source.entries.size());
    for (std::size_t i = 0; i < source.entries.size(); ++i) {
        CHECK(std::get<0>(one.recorded[i]) == source.entries[i].path);
    }
    const StoreCounts a = open_at(options_for(dir / "one.sqlite"))->counts();
    const StoreCounts b = open_at(options_for(dir / "four.sqlite"))->counts();
    CHECK(a.notifications == b.notifications);
    CHECK(a.receipts == b.receipts);
    CHECK(a.quarantined == b.quarantined);
    CHECK(names_in(md + "/new").empty());
}
