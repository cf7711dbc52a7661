// backup_sqlite_store(): a copy that the store opens with the same content, one snapshot while
// another connection writes, the destination rules and the errors.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/notification.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

using namespace autodns;
namespace fs = std::filesystem;

namespace {

Notification numbered(std::int64_t id, const std::string& padding = "") {
    Notification n;
    n.id = id;
    n.kind = "notify";
    n.type = "transfer_start";
    n.object = {std::string("domain"), "example-" + std::to_string(id) + ".com"};
    n.stid = "20240101-app1-" + std::to_string(id);
    n.created = "2024-01-01T12:00:00Z";
    n.format = Format::json;
    n.data_json = R"({"pad":")" + padding + R"("})";
    assign_key(n);
    return n;
}

Arrival arrival(const std::string& locator) {
    Arrival a;
    a.channel = Channel::push;
    a.locator = locator;
    return a;
}

StoreOptions at(const std::string& path, bool read_only = false) {
    StoreOptions o;
    o.location = path;
    o.read_only = read_only;
    return o;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("backup: the copy holds what the database holds, in one file with its mode", "[backup]") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    {
        StoreOptions o = at(db);
        o.file_mode = 0640;
        SqliteStore store(o);
        store.set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
        for (int i = 1; i <= 50; ++i) {
            store.ingest({numbered(i)}, arrival("a" + std::to_string(i)),
                         "raw " + std::to_string(i));
        }
        store.ingest({numbered(7)}, arrival("again"), "raw 7 again");
        store.quarantine(arrival("q"), std::string("bad\0bytes", 9), "malformed");
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> steps;
    BackupRequest request;
    request.location = "sqlite:" + db;
    request.destination = dir / "copy.sqlite";
    request.progress = [&](std::uint64_t done, std::uint64_t total) {
        steps.emplace_back(done, total);
    };
    const BackupResult r = backup_sqlite_store(request);

    CHECK(r.path == dir / "copy.sqlite");
    CHECK(r.schema_version == open_store(at(db, true))->latest_schema_version());
    CHECK(r.counts.notifications == 50);
    CHECK(r.counts.receipts == 51);
    CHECK(r.counts.quarantined == 1);
    CHECK(r.counts.outbox_pending == 50);
    CHECK(r.bytes == fs::file_size(r.path));
    CHECK(r.bytes == r.pages * 4096);
    REQUIRE_FALSE(steps.empty());
    CHECK(steps.back().first == steps.back().second);
    CHECK(steps.back().second == r.pages);
    CHECK(mode_of(r.path) == 0640);
    CHECK_FALSE(fs::exists(r.path + "-wal"));
    CHECK_FALSE(fs::exists(r.path + "-shm"));
    CHECK_FALSE(fs::exists(r.path + "-journal"));
    for (const auto& e : fs::directory_iterator(dir.path)) {
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
    }

    auto copy = open_store(at(r.path, true));
    const StoreCounts c = copy->counts();
    CHECK(c.notifications == 50);
    CHECK(c.receipts == 51);
    auto original = open_store(at(db, true));
    for (int i : {1, 7, 50}) {
        const std::string key = numbered(i).key;
        auto a = original->find_notification(key);
        auto b = copy->find_notification(key);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->record_json == b->record_json);
        CHECK(a->raw_payload == b->raw_payload);
        CHECK(copy->receipts_for(key).size() == original->receipts_for(key).size());
    }
    CHECK(copy->list_quarantine().at(0).raw == std::string("bad\0bytes", 9));
}

TEST_CASE("backup: one snapshot while another connection keeps writing", "[backup]") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    const std::string padding(4000, 'x');
    {
        SqliteStore store(at(db));
        Store::Batch batch(store);
        for (int i = 1; i <= 3000; ++i) {
            store.ingest({numbered(i, padding)}, arrival("a"), "raw " + std::to_string(i));
        }
        batch.commit();
    }
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    std::thread writer([&] {
        SqliteStore store(at(db));
        for (int i = 100000; !stop; ++i) {
            store.ingest({numbered(i)}, arrival("w"), "raw");
            ++written;
        }
    });
    while (written < 20) std::this_thread::yield();
    BackupRequest request;
    request.location = db;
    request.destination = dir / "copy.sqlite";
    int during = 0;
    // Small steps and a pause in each: the writer commits between steps.
    request.progress = [&](std::uint64_t, std::uint64_t) {
        const int before = written;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        during += written - before;
    };
    const BackupResult r = backup_sqlite_store(request);
    stop = true;
    writer.join();
    CHECK(during > 0);  // commits happened while pages were copied
    // Each ingest wrote one notification and one receipt in one transaction: a torn copy
    // would show them apart, or fail its check.
    CHECK(r.counts.notifications == r.counts.receipts);
    CHECK(r.counts.notifications >= 3020);
    auto copy = open_store(at(r.path, true));
    CHECK(copy->counts().notifications == r.counts.notifications);
    CHECK(copy->counts().receipts == r.counts.receipts);
}

TEST_CASE("backup: destination rules", "[backup]") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    { SqliteStore store(at(db)); }
    BackupRequest request;
    request.location = db;

    SECTION("an existing file is refused without force, replaced with it") {
        write_text(dir / "old", "keep me");
        request.destination = dir / "old";
        try {
            backup_sqlite_store(request);
            FAIL("no error");
        } catch (const FatalError& e) {
            CHECK(std::string(e.what()) == (dir / "old") + ": exists (give --force to replace it)");
            CHECK_FALSE(e.temporary());
        }
        CHECK(read_all(dir / "old") == "keep me");
        request.force = true;
        backup_sqlite_store(request);
        {
            auto copy = open_store(at(dir / "old", true));
            CHECK(copy->schema_version() == copy->latest_schema_version());
        }
    }
    SECTION("the database itself is refused, even with force") {
        request.destination = db;
        request.force = true;
        CHECK_THROWS_WITH(backup_sqlite_store(request), Catch::Contains("is the database itself"));
    }
    SECTION("nor its WAL or WAL index") {
        request.force = true;
        for (const char* suffix : {"-wal", "-shm"}) {
            request.destination = db + suffix;
            REQUIRE(fs::exists(request.destination));
            const auto size = fs::file_size(request.destination);
            CHECK_THROWS_WITH(backup_sqlite_store(request),
                              Catch::Contains(std::string("is the database's ") + (suffix + 1)));
            CHECK(fs::file_size(request.destination) == size);
        }
    }
    SECTION("a directory gets a timestamped name") {
        fs::create_directory(dir / "d");
        request.destination = dir / "d";
        const BackupResult r = backup_sqlite_store(request);
        CHECK(std::regex_match(r.path, std::regex(".*/d/notify-[0-9]{8}T[0-9]{6}Z\\.sqlite")));
        CHECK(fs::exists(r.path));
    }
    SECTION("a missing directory names the path; nothing is left behind") {
        request.destination = dir / "no/x.sqlite";
        CHECK_THROWS_WITH(backup_sqlite_store(request),
                          (dir / "no/x.sqlite") + ": cannot create a file in " + (dir / "no") +
                              ": No such file or directory");
    }
    SECTION("a missing database") {
        request.location = dir / "none.sqlite";
        request.destination = dir / "x.sqlite";
        CHECK_THROWS_WITH(backup_sqlite_store(request),
                          Catch::StartsWith("database " + (dir / "none.sqlite")));
        CHECK_FALSE(fs::exists(dir / "x.sqlite"));
    }
    SECTION("not an SQLite database: not temporary, no file left") {
        write_text(dir / "junk", std::string(8192, 'j'));
        request.location = dir / "junk";
        request.destination = dir / "x.sqlite";
        try {
            backup_sqlite_store(request);
            FAIL("no error");
        } catch (const FatalError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("database " + (dir / "junk") + ": "));
            CHECK_FALSE(e.temporary());
        }
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir.path)) names.push_back(e.path().filename());
        for (const std::string& n : names) CHECK(n.find(".tmp-") == std::string::npos);
    }
}
