// The durability settings of the store's own connection, read back from that connection
// (synchronous is a per-connection setting: another connection cannot see it). Every SQLite
// connection the process opens is caught with sqlite3_auto_extension(), without help from
// the store; the black-box side (fsync before the exit status and the 200) is in
// tests/integration/test_promises.sh.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/notification.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

using namespace autodns;

namespace {

std::vector<sqlite3*>& opened() {
    static std::vector<sqlite3*> connections;
    return connections;
}

int catch_connection(sqlite3* db, const char**, const void*) {
    opened().push_back(db);
    return SQLITE_OK;
}

// Registers the hook for the lifetime of the object; the list starts empty.
struct ConnectionWatch {
    ConnectionWatch() {
        opened().clear();
        sqlite3_auto_extension(reinterpret_cast<void (*)()>(&catch_connection));
    }
    ~ConnectionWatch() {
        sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&catch_connection));
        opened().clear();
    }
    // The connections (still open) whose main database is the file `path`.
    std::vector<sqlite3*> on(const std::string& path) const {
        std::vector<sqlite3*> found;
        for (sqlite3* db : opened()) {
            const char* name = sqlite3_db_filename(db, "main");
            if (name && std::string(name).find(path) != std::string::npos) found.push_back(db);
        }
        return found;
    }
};

std::string pragma(sqlite3* db, const std::string& name) {
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &s, nullptr) == SQLITE_OK);
    std::string value;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
        value = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return value;
}

Notification notification(std::int64_t id) {
    Notification n;
    n.id = id;
    n.kind = "notify";
    n.type = "transfer_start";
    n.object = {std::string("domain"), "durable-" + std::to_string(id) + ".example"};
    n.created = "2024-01-01T12:00:00Z";
    n.format = Format::json;
    assign_key(n);
    return n;
}

}  // namespace

TEST_CASE("durability: a durable store runs synchronous=FULL in WAL mode", "[durability]") {
    TempDir dir;
    ConnectionWatch watch;
    StoreOptions options;
    options.location = dir / "notify.sqlite";
    options.durable_ack = true;
    SqliteStore store(options);
    const std::vector<sqlite3*> connections = watch.on("notify.sqlite");
    REQUIRE_FALSE(connections.empty());
    for (sqlite3* db : connections) {
        CHECK(pragma(db, "synchronous") == "2");  // FULL
        CHECK(pragma(db, "journal_mode") == "wal");
    }
    // Still so after a write (nothing switches it back for the commit).
    Arrival arrival;
    arrival.channel = Channel::mail;
    arrival.locator = "test";
    store.ingest({notification(4200001)}, arrival, "raw");
    for (sqlite3* db : watch.on("notify.sqlite")) CHECK(pragma(db, "synchronous") == "2");
}

TEST_CASE("durability: the default store options are durable", "[durability]") {
    // Every caller that acknowledges relies on this default (mail, serve, poll, import).
    CHECK(StoreOptions{}.durable_ack);
}

TEST_CASE("durability: a store that is not durable runs synchronous=NORMAL", "[durability]") {
    TempDir dir;
    ConnectionWatch watch;
    StoreOptions options;
    options.location = dir / "bulk.sqlite";
    options.durable_ack = false;
    SqliteStore store(options);
    const std::vector<sqlite3*> connections = watch.on("bulk.sqlite");
    REQUIRE_FALSE(connections.empty());
    for (sqlite3* db : connections) CHECK(pragma(db, "synchronous") == "1");  // NORMAL
}
