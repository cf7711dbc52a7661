#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "mail/mailbox.hpp"
#include "temp_dir.hpp"

using namespace autodns;

namespace {

std::vector<std::string> warnings;
void collect(const std::string& w) {
    warnings.push_back(w);
}

std::string relative(const TempDir& dir, const std::string& path) {
    return path.substr(dir.path.size() + 1);
}

}  // namespace

TEST_CASE("Maildir: new/ and cur/ and Maildir++ subfolders, sorted, tmp/ ignored", "[mailbox]") {
    TempDir dir;
    for (const char* d : {"md", "md/new", "md/cur", "md/tmp", "md/.Archive", "md/.Archive/cur",
                          "md/.Archive/new", "md/.Archive/tmp"}) {
        ::mkdir((dir / d).c_str(), 0700);
    }
    write_text(dir / "md/new/2.host", "Subject: a\n\nx\n");
    write_text(dir / "md/new/1.host", "Subject: b\n\nx\n");
    write_text(dir / "md/cur/3.host:2,S", "Subject: c\n\nx\n");
    write_text(dir / "md/tmp/4.host", "Subject: half-delivered\n");
    write_text(dir / "md/.Archive/cur/5.host:2,RS", "Subject: d\n\nx\n");
    warnings.clear();
    auto entries = list_archive({dir / "md"}, collect);
    REQUIRE(entries.size() == 4);
    CHECK(relative(dir, entries[0].path) == "md/cur/3.host:2,S");
    CHECK_FALSE(entries[0].in_new);
    CHECK(relative(dir, entries[1].path) == "md/new/1.host");
    CHECK(entries[1].in_new);
    CHECK(relative(dir, entries[2].path) == "md/new/2.host");
    CHECK(relative(dir, entries[3].path) == "md/.Archive/cur/5.host:2,RS");
    for (const auto& e : entries) CHECK(e.kind == ArchiveEntry::Kind::maildir_file);
    CHECK(warnings.empty());
}

TEST_CASE("directories of .eml files and mbox files are found recursively", "[mailbox]") {
    TempDir dir;
    ::mkdir((dir / "a").c_str(), 0700);
    ::mkdir((dir / "a/b").c_str(), 0700);
    write_text(dir / "a/one.eml", "From: x@y\n\nbody\n");
    write_text(dir / "a/b/archive", "From someone Mon Jan  1 00:00:00 2024\nSubject: s\n\nb\n");
    write_text(dir / "a/notes.txt", "not a mail");
    write_text(dir / "a/payload.json", "{\"id\": 1}");
    warnings.clear();
    auto entries = list_archive({dir / "a"}, collect);
    REQUIRE(entries.size() == 2);
    CHECK(relative(dir, entries[0].path) == "a/b/archive");
    CHECK(entries[0].kind == ArchiveEntry::Kind::mbox);
    CHECK(relative(dir, entries[1].path) == "a/one.eml");
    CHECK(entries[1].kind == ArchiveEntry::Kind::message_file);

    warnings.clear();
    auto missing = list_archive({dir / "nope"}, collect);
    CHECK(missing.empty());
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("nope") != std::string::npos);
}

TEST_CASE("mbox reader splits messages and undoes >From quoting", "[mailbox]") {
    TempDir dir;
    write_text(dir / "box",
               "From a@b Mon Jan  1 00:00:00 2024\n"
               "Subject: one\n\n"
               "line\n"
               ">From the start\n"
               ">>From quoted twice\n"
               "From inside a paragraph is not a separator\n"
               "\n"
               "From c@d Tue Jan  2 00:00:00 2024\n"
               "Subject: two\n\n"
               "last\n");
    auto opened = MboxReader::open(dir / "box");
    REQUIRE(opened);
    MboxReader& reader = *opened;
    std::string message;
    std::uint64_t index = 0, offset = 0;
    REQUIRE(reader.next(message, index, offset));
    CHECK(index == 1);
    CHECK(offset == 0);
    CHECK(message ==
          "Subject: one\n\nline\nFrom the start\n>From quoted twice\n"
          "From inside a paragraph is not a separator\n");
    REQUIRE(reader.next(message, index, offset));
    CHECK(index == 2);
    CHECK(message == "Subject: two\n\nlast\n");
    CHECK_FALSE(reader.next(message, index, offset));

    const auto missing = MboxReader::open(dir / "none");
    CHECK_FALSE(missing);
    CHECK_FALSE(missing.error().empty());
}

TEST_CASE("mark_seen moves new/ to cur/ with the S flag", "[mailbox]") {
    TempDir dir;
    for (const char* d : {"md", "md/new", "md/cur"}) ::mkdir((dir / d).c_str(), 0700);
    write_text(dir / "md/new/1.host", "x");
    write_text(dir / "md/new/2.host:2,F", "x");
    CHECK(mark_seen(dir / "md/new/1.host"));
    CHECK(mark_seen(dir / "md/new/2.host:2,F"));
    struct stat st {};
    CHECK(::stat((dir / "md/cur/1.host:2,S").c_str(), &st) == 0);
    CHECK(::stat((dir / "md/cur/2.host:2,FS").c_str(), &st) == 0);
    CHECK(::stat((dir / "md/new/1.host").c_str(), &st) != 0);
    const auto refused = mark_seen(dir / "md/cur/1.host:2,S");
    CHECK_FALSE(refused);
    CHECK_FALSE(refused.error().empty());
}
