// The store contract (store/store.hpp) against both backends: every CONTRACT case runs once on
// SQLite ("[contract]") and once on PostgreSQL ("[contract][postgres]"). The PostgreSQL cases
// need a server: tests/integration/test_postgres_contract.sh starts a throwaway cluster and runs
// them with $AUTODNS_TEST_PG_URI set; without it they fail (they are not skipped), which is why
// the ordinary unit test run leaves them out (tests/CMakeLists.txt).
#include <unistd.h>
#include <pqxx/pqxx>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/notification.hpp"
#include "parse/record_json.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "util/time.hpp"

using namespace autodns;

namespace {

const bool postgres_registered = (register_postgres_backend(), true);

Notification make_notification(std::int64_t id, const std::string& type = "transfer_start",
                               const std::string& status = "notify") {
    Notification n;
    n.id = id;
    n.kind = "notify";
    n.type = type;
    n.status = {status, std::string("N0102"), std::string("in progress")};
    n.object = {std::string("domain"), "example-" + std::to_string(id) + ".com"};
    n.stid = "20240101-app1-" + std::to_string(id);
    n.created = "2024-01-01T12:00:00Z";
    n.format = Format::json;
    n.data_json = R"({"name":"example.com"})";
    assign_key(n);
    return n;
}

Arrival make_arrival(Channel channel, const std::string& locator, const std::string& raw = "",
                     const std::string& received_at = "") {
    Arrival a;
    a.channel = channel;
    a.locator = locator;
    a.message_id = "<" + locator + "@example.net>";
    a.raw_sha256 = raw.empty() ? "" : sha256_hex(raw);
    a.received_at = received_at;
    return a;
}

// One fresh, empty store location per case: a new SQLite file, or a new PostgreSQL schema
// (search_path) in the test database.
class Backend {
  public:
    explicit Backend(StoreBackend kind) : kind_(kind) {
        if (kind == StoreBackend::sqlite) {
            location_ = dir_ / "contract.sqlite";
            return;
        }
        const char* uri = std::getenv("AUTODNS_TEST_PG_URI");
        REQUIRE(uri != nullptr);  // set by tests/integration/test_postgres_contract.sh
        base_uri_ = uri;
        static int counter = 0;
        schema_ = "contract_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
        admin([&](pqxx::work& tx) {
            tx.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
            tx.exec("CREATE SCHEMA " + schema_);
        });
        location_ = base_uri_ + (base_uri_.find('?') == std::string::npos ? "?" : "&") +
                    "options=-csearch_path%3D" + schema_;
    }
    ~Backend() {
        if (kind_ == StoreBackend::postgres) {
            try {
                admin([&](pqxx::work& tx) { tx.exec("DROP SCHEMA " + schema_ + " CASCADE"); });
            } catch (...) {
            }
        }
    }

    StoreOptions options() const {
        StoreOptions o;
        o.location = location_;
        o.busy_timeout_ms = 5000;
        return o;
    }
    std::unique_ptr<Store> open() const { return open_store(options()); }
    std::unique_ptr<Store> open(const StoreOptions& o) const { return open_store(o); }
    const std::string& location() const { return location_; }
    StoreBackend kind() const { return kind_; }

    // Sets the stored schema version behind the store's back (migration tests).
    void force_schema_version(int version) {
        if (kind_ == StoreBackend::sqlite) {
            const std::string cmd = "sqlite3 '" + location_ +
                                    "' 'PRAGMA user_version = " + std::to_string(version) + "'";
            REQUIRE(std::system(cmd.c_str()) == 0);
        } else {
            admin([&](pqxx::work& tx) {
                tx.exec("UPDATE " + schema_ +
                        ".autodns_schema SET version = " + std::to_string(version));
            });
        }
    }

    // Takes the store back to what schema version 3 left: no report summary.
    void revert_to_version_3() {
        if (kind_ == StoreBackend::sqlite) {
            const std::string cmd =
                "sqlite3 '" + location_ +
                "' 'DROP TRIGGER report_receipt_added; DROP TRIGGER report_receipt_removed; "
                "DROP TABLE report_keys; DROP TABLE report_days; "
                "DROP INDEX notifications_first_arrival; PRAGMA user_version = 3'";
            REQUIRE(std::system(cmd.c_str()) == 0);
        } else {
            admin([&](pqxx::work& tx) {
                tx.exec("DROP TABLE " + schema_ + ".report_keys; DROP FUNCTION " + schema_ +
                        ".report_receipt_added CASCADE; DROP FUNCTION " + schema_ +
                        ".report_receipt_removed CASCADE; UPDATE " + schema_ +
                        ".autodns_schema SET version = 3");
            });
        }
    }

  private:
    void admin(const std::function<void(pqxx::work&)>& body) {
        pqxx::connection c(base_uri_);
        pqxx::work tx(c);
        body(tx);
        tx.commit();
    }

    StoreBackend kind_;
    TempDir dir_;
    std::string location_, base_uri_, schema_;
};

}  // namespace

// CONTRACT("name") { body using `backend` } defines the case for both backends.
#define CONTRACT_JOIN2(a, b) a##b
#define CONTRACT_JOIN(a, b) CONTRACT_JOIN2(a, b)
#define CONTRACT_IMPL(name, fn)                                             \
    static void fn(Backend& backend);                                       \
    TEST_CASE("store contract (sqlite): " name, "[contract]") {             \
        Backend backend(StoreBackend::sqlite);                              \
        fn(backend);                                                        \
    }                                                                       \
    TEST_CASE("store contract (postgres): " name, "[contract][postgres]") { \
        Backend backend(StoreBackend::postgres);                            \
        fn(backend);                                                        \
    }                                                                       \
    static void fn(Backend& backend)
#define CONTRACT(name) CONTRACT_IMPL(name, CONTRACT_JOIN(contract_case_, __LINE__))

CONTRACT("one key by mail, push and poll is one notification with three receipts") {
    auto store = backend.open();
    CHECK(store->schema_version() == store->latest_schema_version());
    const Notification n = make_notification(1005491836);
    const std::string raw("{\"id\":1005491836}\0tail\xff", 22);
    IngestResult first = store->ingest({n}, make_arrival(Channel::mail, "m1", raw), raw);
    CHECK(first.outcome == IngestOutcome::stored);
    CHECK(first.new_count == 1);
    CHECK(first.new_keys == std::vector<std::string>{n.key});
    IngestResult again = store->ingest({n}, make_arrival(Channel::push, "10.0.0.1"), "push");
    CHECK(again.outcome == IngestOutcome::duplicate);
    CHECK(again.duplicate_count == 1);
    store->ingest({n}, make_arrival(Channel::poll, "https://api"), "poll");

    StoreCounts c = store->counts();
    CHECK(c.notifications == 1);
    CHECK(c.receipts == 3);
    auto stored = store->find_notification(n.key);
    REQUIRE(stored);
    CHECK(stored->raw_payload == raw);  // the first arrival's bytes, NUL and 0xff included
    CHECK(stored->first_channel == Channel::mail);
    CHECK(stored->record_json == record_to_json(n));
    CHECK(stored->record.key == n.key);
    CHECK(stored->record.object.value == n.object.value);
    std::vector<Receipt> receipts = store->receipts_for(n.key);
    REQUIRE(receipts.size() == 3);
    CHECK(receipts[0].channel == Channel::mail);
    CHECK(receipts[1].channel == Channel::push);
    CHECK(receipts[2].channel == Channel::poll);
    CHECK(receipts[0].raw_sha256 == sha256_hex(raw));
    CHECK(receipts[1].raw_sha256.empty());
    CHECK(receipts[0].rowid < receipts[1].rowid);
    CHECK_FALSE(store->find_notification("id:1"));

    // Several notifications in one arrival: the new ones and the known ones are told apart.
    IngestResult mixed =
        store->ingest({n, make_notification(2)}, make_arrival(Channel::file, "f"), "two");
    CHECK(mixed.outcome == IngestOutcome::stored);
    CHECK(mixed.new_count == 1);
    CHECK(mixed.duplicate_count == 1);
    CHECK(store->counts().receipts == 5);

    // A notification without a key is refused before anything is written.
    Notification keyless = make_notification(3);
    keyless.key.clear();
    CHECK_THROWS_AS(
        store->ingest({make_notification(4), keyless}, make_arrival(Channel::file, "k"), "x"),
        ItemError);
    CHECK(store->counts().notifications == 2);
    // An empty list writes nothing.
    CHECK(store->ingest({}, make_arrival(Channel::file, "e"), "").new_count == 0);
    CHECK(store->counts().receipts == 5);
}

CONTRACT("quarantine keeps the raw bytes, seen_raw finds receipts and quarantine rows") {
    auto store = backend.open();
    static const char junk_bytes[] = "not a notification\0\x80\xfe binary";
    const std::string junk(junk_bytes, sizeof junk_bytes - 1);
    const std::string stored_raw = "stored raw";
    CHECK_FALSE(store->seen_raw(sha256_hex(junk)));
    store->quarantine(make_arrival(Channel::mail, "q", junk), junk, "malformed: no body");
    store->ingest({make_notification(7)}, make_arrival(Channel::mail, "m", stored_raw), "p");
    CHECK(store->seen_raw(sha256_hex(junk)));
    CHECK(store->seen_raw(sha256_hex(stored_raw)));
    CHECK_FALSE(store->seen_raw(sha256_hex("other")));
    CHECK_FALSE(store->seen_raw(""));
    std::vector<QuarantineEntry> q = store->list_quarantine();
    REQUIRE(q.size() == 1);
    CHECK(q[0].raw == junk);
    CHECK(q[0].reason == "malformed: no body");
    CHECK(q[0].channel == Channel::mail);
    CHECK(q[0].locator == "q");
    CHECK_FALSE(q[0].received_at.empty());
    CHECK(store->counts().quarantined == 1);
}

CONTRACT("outbox rows only for new notifications and routed handlers") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification& n) -> std::vector<std::string> {
        if (n.type == std::optional<std::string>("zone_deleted")) return {};
        return {"archive", "ticket"};
    });
    store->ingest({make_notification(1)}, make_arrival(Channel::mail, "a"), "raw");
    store->ingest({make_notification(1)}, make_arrival(Channel::push, "b"), "raw");
    store->ingest({make_notification(2, "zone_deleted")}, make_arrival(Channel::mail, "c"), "r");
    StoreCounts c = store->counts();
    CHECK(c.outbox_pending == 2);
    std::vector<OutboxEntry> rows = store->list_outbox(OutboxState::pending);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].handler == "archive");
    CHECK(rows[1].handler == "ticket");
    CHECK(rows[0].attempts == 0);
    CHECK(rows[0].record_json.empty());  // list_outbox carries no record
}

CONTRACT("stored records page by key within a window; added outbox rows are never doubled") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification& n) -> std::vector<std::string> {
        if (n.id == std::optional<std::int64_t>(3)) return {"late"};
        return {};
    });
    for (int i = 1; i <= 5; ++i) {
        const std::string day = "2024-02-0" + std::to_string(i) + "T08:00:00Z";
        store->ingest({make_notification(i)},
                      make_arrival(Channel::mail, "m" + std::to_string(i), "", day),
                      "raw" + std::to_string(i));
    }
    // A later arrival of id:1 does not move its first arrival into a later window.
    store->ingest({make_notification(1)},
                  make_arrival(Channel::push, "p1", "", "2024-02-04T09:00:00Z"), "raw1");
    std::vector<std::string> keys;
    std::string after;
    for (;;) {
        auto page = store->stored_records("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", after, 2);
        for (const auto& r : page) {
            keys.push_back(r.key);
            CHECK(record_from_json(r.record_json).key == r.key);
        }
        if (page.size() < 2) break;
        after = page.back().key;
    }
    CHECK(keys == std::vector<std::string>{"id:1", "id:2", "id:3", "id:4", "id:5"});
    auto window = store->stored_records("2024-02-02T00:00:00Z", "2024-02-04T08:00:00Z", "", 10);
    REQUIRE(window.size() == 2);
    CHECK(window[0].key == "id:2");
    CHECK(window[1].key == "id:3");

    // id:3 has its row from ingest already; the others get one, once.
    CHECK(store->add_outbox_rows("late", {"id:1", "id:3", "id:5"}, 1700000000) == 2);
    CHECK(store->add_outbox_rows("late", {"id:1", "id:3", "id:5"}, 1700000000) == 0);
    CHECK(store->add_outbox_rows("other", {"id:1"}, 1700000000) == 1);
    std::vector<OutboxEntry> rows = store->list_outbox(OutboxState::pending);
    REQUIRE(rows.size() == 4);
    CHECK(store->claim_outbox("o", 60, 10, 4000000000).size() == 4);
}

CONTRACT("outbox claims, leases, completion, failure, lease expiry and dead letters") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    for (int i = 1; i <= 5; ++i) {
        store->ingest({make_notification(i)}, make_arrival(Channel::mail, "m"), "raw");
    }
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;

    std::vector<OutboxEntry> a = store->claim_outbox("A", 60, 3, now);
    std::vector<OutboxEntry> b = store->claim_outbox("B", 60, 10, now);
    REQUIRE(a.size() == 3);
    REQUIRE(b.size() == 2);
    std::set<std::int64_t> ids;
    for (const auto& e : a) ids.insert(e.rowid);
    for (const auto& e : b) ids.insert(e.rowid);
    CHECK(ids.size() == 5);
    CHECK(a[0].rowid < a[1].rowid);  // oldest first
    CHECK(store->claim_outbox("B", 60, 10, now).empty());
    CHECK(store->claim_outbox("B", 60, 0, now + 1000).empty());
    for (const auto& e : a) {
        CHECK(e.attempts == 1);
        CHECK(e.lease_owner == std::optional<std::string>("A"));
        CHECK(e.lease_until == std::optional<std::int64_t>(now + 60));
        auto stored = store->find_notification(e.key);
        REQUIRE(stored);
        CHECK(e.record_json == stored->record_json);
    }
    CHECK_FALSE(store->complete_outbox(a[0].rowid, "B"));
    CHECK(store->complete_outbox(a[0].rowid, "A"));
    CHECK_FALSE(store->complete_outbox(a[0].rowid, "A"));
    CHECK(store->counts().outbox_done == 1);

    std::vector<OutboxEntry> taken = store->claim_outbox("B", 60, 10, now + 61);
    REQUIRE(taken.size() == 4);
    for (const auto& e : taken) CHECK(e.attempts == 2);
    CHECK_FALSE(store->complete_outbox(a[1].rowid, "A"));
    CHECK_FALSE(store->fail_outbox(a[1].rowid, "A", "late", now + 100, false));

    CHECK(store->fail_outbox(a[1].rowid, "B", "connection refused", now + 1000, false));
    CHECK(store->fail_outbox(a[2].rowid, "B", "exit status 1", 0, true));
    CHECK(store->complete_outbox(b[0].rowid, "B"));
    CHECK(store->complete_outbox(b[1].rowid, "B"));
    CHECK(store->claim_outbox("C", 60, 10, now + 500).empty());
    std::vector<OutboxEntry> later = store->claim_outbox("C", 60, 10, now + 1000);
    REQUIRE(later.size() == 1);
    CHECK(later[0].rowid == a[1].rowid);
    CHECK(later[0].attempts == 3);

    std::vector<OutboxEntry> dead = store->list_outbox(OutboxState::dead);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].rowid == a[2].rowid);
    CHECK(dead[0].last_error == std::optional<std::string>("exit status 1"));
    CHECK_FALSE(dead[0].lease_owner);
    CHECK(store->retry_dead() == 1);
    CHECK(store->retry_dead() == 0);
    std::vector<OutboxEntry> revived = store->claim_outbox("D", 60, 10, now + 2000);
    REQUIRE(revived.size() == 2);  // the revived row and a[1]'s own second lease ran out
    for (const auto& e : revived) {
        if (e.rowid == a[2].rowid) CHECK(e.attempts == 1);  // attempts reset
    }
}

CONTRACT("claims restricted to handlers and keys leave other rows alone") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification&) {
        return std::vector<std::string>{"jsonl", "exec"};
    });
    const Notification n1 = make_notification(1), n2 = make_notification(2);
    store->ingest({n1}, make_arrival(Channel::mail, "m"), "raw");
    store->ingest({n2}, make_arrival(Channel::mail, "m"), "raw");
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;
    Store::ClaimFilter filter;
    filter.handlers = {"jsonl"};
    filter.keys = {n2.key, "id:\"quoted\\key"};
    std::vector<OutboxEntry> got = store->claim_outbox("A", 60, 10, now, filter);
    REQUIRE(got.size() == 1);
    CHECK(got[0].key == n2.key);
    CHECK(got[0].handler == "jsonl");
    std::vector<OutboxEntry> rest = store->claim_outbox("B", 60, 10, now);
    CHECK(rest.size() == 3);
    for (const auto& e : rest) CHECK(e.attempts == 1);  // untouched by A's filtered claim
}

CONTRACT("two connections claiming at once never share a row") {
    {
        auto store = backend.open();
        store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
        Store::Batch batch(*store);
        for (int i = 0; i < 120; ++i) {
            store->ingest({make_notification(i)}, make_arrival(Channel::file, "f"), "raw");
        }
        batch.commit();
    }
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;
    std::vector<std::vector<std::int64_t>> claimed(3);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            auto store = backend.open();
            for (;;) {
                auto rows = store->claim_outbox("w" + std::to_string(t), 600, 7, now);
                if (rows.empty()) return;
                for (const auto& e : rows) {
                    claimed[static_cast<std::size_t>(t)].push_back(e.rowid);
                    store->complete_outbox(e.rowid, "w" + std::to_string(t));
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::int64_t> all;
    std::size_t total = 0;
    for (const auto& c : claimed) {
        total += c.size();
        all.insert(c.begin(), c.end());
    }
    CHECK(total == 120);
    CHECK(all.size() == 120);
    CHECK(backend.open()->counts().outbox_done == 120);
}

CONTRACT("a batch holds several ingests with their own outcomes; only commit() keeps them") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    auto other = backend.open();
    {
        Store::Batch batch(*store);
        CHECK(batch.open());
        CHECK(store->in_batch());
        CHECK_THROWS_AS(Store::Batch(*store), FatalError);  // one at a time
        CHECK(
            store->ingest({make_notification(1)}, make_arrival(Channel::file, "a"), "r").outcome ==
            IngestOutcome::stored);
        CHECK(
            store->ingest({make_notification(1)}, make_arrival(Channel::file, "b"), "r").outcome ==
            IngestOutcome::duplicate);
        store->quarantine(make_arrival(Channel::file, "q"), "junk", "bad");
        CHECK(store->counts().notifications == 1);  // the batch sees its own rows
        CHECK(other->counts().notifications == 0);  // nobody else does yet
        batch.commit();
        CHECK_FALSE(store->in_batch());
    }
    StoreCounts c = other->counts();
    CHECK(c.notifications == 1);
    CHECK(c.receipts == 2);
    CHECK(c.quarantined == 1);
    CHECK(c.outbox_pending == 1);

    {
        Store::Batch batch(*store);  // not committed: rolled back
        store->ingest({make_notification(2)}, make_arrival(Channel::file, "c"), "r");
    }
    CHECK_FALSE(store->in_batch());
    CHECK_FALSE(other->find_notification(make_notification(2).key));

    {
        Store::Batch batch(*store);
        store->ingest({make_notification(3)}, make_arrival(Channel::file, "d"), "r");
        store->set_outbox_router([](const Notification& n) -> std::vector<std::string> {
            if (n.id == 4) throw std::runtime_error("router failed");
            return {"h"};
        });
        CHECK_THROWS(store->ingest({make_notification(4)}, make_arrival(Channel::file, "e"), "r"));
        CHECK_FALSE(batch.open());  // an exception ended and rolled back the whole batch
        CHECK_THROWS_AS(batch.commit(), FatalError);
    }
    CHECK(other->counts().notifications == 1);
    CHECK_FALSE(other->find_notification(make_notification(3).key));
    // The store is usable afterwards.
    store->set_outbox_router({});
    CHECK(store->ingest({make_notification(5)}, make_arrival(Channel::file, "f"), "r").new_count ==
          1);
}

CONTRACT("schema: created once, reopened as is, a newer version refused, read-only opens") {
    {
        StoreOptions ro = backend.options();
        ro.read_only = true;
        CHECK_THROWS_AS(backend.open(ro), FatalError);  // nothing there yet: not created
    }
    {
        auto store = backend.open();
        CHECK(store->schema_version() == store->latest_schema_version());
        store->ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "r");
    }
    {
        auto store = backend.open();  // a second opening migrates nothing, keeps the data
        CHECK(store->counts().notifications == 1);
        StoreOptions ro = backend.options();
        ro.read_only = true;
        auto reader = backend.open(ro);
        CHECK(reader->counts().notifications == 1);
        CHECK_THROWS_AS(
            reader->ingest({make_notification(2)}, make_arrival(Channel::mail, "m"), "r"),
            FatalError);
    }
    backend.force_schema_version(99);
    try {
        backend.open();
        FAIL("a newer schema was accepted");
    } catch (const FatalError& e) {
        CHECK_FALSE(e.temporary());
        CHECK_THAT(e.what(), Catch::Contains("newer"));
    }
}

CONTRACT("report rows: windows, channels, duplicates, errors, open jobs, dead letters") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    const Notification a = make_notification(1),
                       b = make_notification(2, "transfer_start", "error");
    store->ingest({a}, make_arrival(Channel::push, "p", "", "2024-05-01T10:00:00Z"), "r");
    store->ingest({a}, make_arrival(Channel::mail, "m", "", "2024-05-02T10:00:00Z"), "r");
    store->ingest({b}, make_arrival(Channel::mail, "m2", "", "2024-05-02T11:00:00Z"), "r");
    store->ingest({make_notification(3)},
                  make_arrival(Channel::poll, "x", "", "2023-01-01T00:00:00Z"), "old");
    store->quarantine(make_arrival(Channel::mail, "q", "", "2024-05-02T12:00:00Z"), "12345",
                      "malformed: x");
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;
    auto claimed = store->claim_outbox("w", 60, 1, now);
    REQUIRE(claimed.size() == 1);
    store->fail_outbox(claimed[0].rowid, "w", "gave up", 0, true);

    ReportRows rows =
        store->report_rows(ReportWindow{"2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 50, {}});
    CHECK(rows.notifications == 2);
    CHECK(rows.new_notifications == 2);
    CHECK(rows.arrivals == 3);
    CHECK(rows.quarantined == 1);
    CHECK(rows.outbox_dead == 1);
    CHECK(rows.outbox_pending == 2);
    REQUIRE(rows.channels.size() >= 4);
    CHECK(rows.channels[0].channel == "mail");
    CHECK(rows.channels[0].arrivals == 2);
    CHECK(rows.channels[0].duplicates == 1);
    CHECK(rows.channels[0].quarantined == 1);
    CHECK(rows.channels[1].channel == "push");
    CHECK(rows.channels[1].first_arrivals == 1);
    CHECK(rows.channels[2].last_received_at == std::optional<std::string>("2023-01-01T00:00:00Z"));
    REQUIRE(rows.per_day.size() == 2);
    CHECK(rows.per_day[0].day == "2024-05-01");
    REQUIRE(rows.errors.size() == 1);
    CHECK(rows.errors[0].key == b.key);
    CHECK(rows.errors[0].status_text == std::optional<std::string>("in progress"));
    REQUIRE(rows.mail_arrivals.size() == 2);
    CHECK(rows.mail_arrivals[0].key == a.key);
    CHECK(rows.mail_arrivals[0].first_push == std::optional<std::string>("2024-05-01T10:00:00Z"));
    REQUIRE(rows.quarantine_latest.size() == 1);
    CHECK(rows.quarantine_latest[0].bytes == 5);
    REQUIRE(rows.dead_letters.size() == 1);
    CHECK(rows.dead_letters[0].last_error == "gave up");
    REQUIRE(rows.by_type.size() == 1);
    CHECK(rows.by_type[0].count == 2);
    CHECK(rows.schema_version == store->latest_schema_version());
}

CONTRACT("report rows: mail arrivals streamed in order, error listings bounded per code") {
    auto store = backend.open();
    for (int i = 1; i <= 5; ++i) {
        Notification e = make_notification(i, "transfer_start", "error");
        e.status.code = i <= 3 ? "E0101" : "E0202";
        e.created = "2024-01-0" + std::to_string(6 - i) + "T12:00:00Z";  // newest first
        assign_key(e);
        store->ingest({e},
                      make_arrival(Channel::mail, "m" + std::to_string(i), "",
                                   "2024-05-0" + std::to_string(i) + "T10:00:00Z"),
                      "r");
    }
    const ReportWindow window{"2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", 2, {}};
    const ReportRows collected = store->report_rows(window);
    // Counts of every code, at most the limit of rows for each, the earliest message times.
    REQUIRE(collected.error_codes.size() == 2);
    CHECK(collected.error_codes[0].first == "E0101");
    CHECK(collected.error_codes[0].count == 3);
    CHECK(collected.error_codes[1].count == 2);
    REQUIRE(collected.errors.size() == 4);
    CHECK(collected.errors[0].id == std::optional<std::int64_t>(3));
    CHECK(collected.errors[1].id == std::optional<std::int64_t>(2));
    CHECK(collected.errors[2].status_code == std::optional<std::string>("E0202"));

    ReportWindow streaming = window;
    std::vector<std::string> streamed;
    streaming.on_mail_arrival = [&](MailArrivalRow&& m) { streamed.push_back(m.key); };
    const ReportRows rows = store->report_rows(streaming);
    CHECK(rows.mail_arrivals.empty());
    REQUIRE(streamed.size() == collected.mail_arrivals.size());
    REQUIRE(streamed.size() == 5);
    for (std::size_t i = 0; i < streamed.size(); ++i) {
        CHECK(streamed[i] == collected.mail_arrivals[i].key);
    }
}

// Retention. The present of these cases: 2026-06-01T00:00:00Z.
namespace {
constexpr std::int64_t prune_now = 1780272000;
std::string ago(double days) {
    return util::format_utc_iso8601(prune_now - static_cast<std::int64_t>(days * 86400));
}
bool same_counts(const StoreCounts& a, const StoreCounts& b) {
    return a.notifications == b.notifications && a.receipts == b.receipts &&
           a.quarantined == b.quarantined && a.outbox_pending == b.outbox_pending &&
           a.outbox_done == b.outbox_done && a.outbox_dead == b.outbox_dead;
}
}  // namespace

CONTRACT("prune: every policy removes what is older than its age and keeps what is younger") {
    auto store = backend.open();
    const std::string raw1 = "raw one", raw2a = "raw two", raw2b = "raw two again";
    const std::string raw3 = "raw three!", raw4 = "raw four", q_old = "old junk", q_new = "junk";
    // 1: every arrival 31 days old: the notification policy (30 days) removes it.
    store->ingest({make_notification(1)}, make_arrival(Channel::mail, "a", raw1, ago(31)), raw1);
    // 2: first 31 days ago, again yesterday: stays; its old receipt goes (receipts: 10 days),
    // its raw payload goes (raw: 5 days).
    store->ingest({make_notification(2)}, make_arrival(Channel::mail, "b", raw2a, ago(31)), raw2a);
    store->ingest({make_notification(2)}, make_arrival(Channel::push, "c", raw2b, ago(1)), raw2b);
    // 3: 8 days old: receipt kept, raw payload dropped. 4: 3 days old: all kept.
    store->ingest({make_notification(3)}, make_arrival(Channel::mail, "d", raw3, ago(8)), raw3);
    store->ingest({make_notification(4)}, make_arrival(Channel::mail, "e", raw4, ago(3)), raw4);
    // Quarantine (10 days): 11 days old goes, 9 days old stays.
    store->quarantine(make_arrival(Channel::mail, "q1", q_old, ago(11)), q_old,
                      "not a notification");
    store->quarantine(make_arrival(Channel::mail, "q2", q_new, ago(9)), q_new,
                      "not a notification");

    PrunePolicy policy;
    policy.notification_days = 30;
    policy.receipt_days = 10;
    policy.quarantine_days = 10;
    policy.raw_days = 5;
    const StoreCounts before = store->counts();
    const PruneResult planned = store->prune(policy, prune_now, true);
    CHECK(same_counts(store->counts(), before));  // a dry run changes nothing
    CHECK(store->prune_horizons().notifications.empty());
    const PruneResult done = store->prune(policy, prune_now, false);
    for (const PruneResult* r : {&planned, &done}) {
        CHECK(r->notifications == 1);
        CHECK(r->notification_receipts == 1);
        CHECK(r->notification_outbox == 0);
        CHECK(r->receipts == 1);
        CHECK(r->quarantined == 1);
        CHECK(r->quarantine_bytes == static_cast<std::int64_t>(q_old.size()));
        CHECK(r->raw_payloads == 2);
        CHECK(r->raw_payload_bytes == static_cast<std::int64_t>(raw2a.size() + raw3.size()));
    }
    const StoreCounts after = store->counts();
    CHECK(after.notifications == 3);
    CHECK(after.receipts == 3);  // 2 (yesterday), 3, 4
    CHECK(after.quarantined == 1);
    CHECK_FALSE(store->find_notification(make_notification(1).key));
    auto two = store->find_notification(make_notification(2).key);
    REQUIRE(two);
    CHECK(two->raw_payload.empty());
    CHECK(two->record.id == make_notification(2).id);  // the normalized record stays
    CHECK(store->receipts_for(make_notification(2).key).size() == 1);
    auto three = store->find_notification(make_notification(3).key);
    REQUIRE(three);
    CHECK(three->raw_payload.empty());
    CHECK(store->receipts_for(make_notification(3).key).size() == 1);
    auto four = store->find_notification(make_notification(4).key);
    REQUIRE(four);
    CHECK(four->raw_payload == raw4);
    REQUIRE(store->list_quarantine().size() == 1);
    CHECK(store->list_quarantine()[0].raw == q_new);

    // What was removed is still known: a late copy of 1 is a duplicate and gets no outbox row,
    // and every removed raw fingerprint is still seen (import skips those inputs).
    store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    IngestResult late =
        store->ingest({make_notification(1)}, make_arrival(Channel::mail, "z"), "x");
    CHECK(late.new_count == 0);
    CHECK(late.duplicate_count == 1);
    CHECK(store->counts().outbox_pending == 0);
    CHECK_FALSE(store->find_notification(make_notification(1).key));
    for (const std::string* raw : {&raw1, &raw2a, &q_old, &raw3}) {
        CHECK(store->seen_raw(sha256_hex(*raw)));
    }
    CHECK_FALSE(store->seen_raw(sha256_hex("never seen")));

    const PruneHorizons h = store->prune_horizons();
    CHECK(h.notifications == ago(30));
    CHECK(h.receipts == ago(10));
    CHECK(h.quarantine == ago(10));
    CHECK(h.raw == ago(5));
    ReportWindow window;
    window.since = ago(60);
    window.until = ago(0);
    CHECK(store->report_rows(window).pruned_before == ago(10));

    // A second run finds nothing more (the late receipt of 1 is new).
    const PruneResult again = store->prune(policy, prune_now, false);
    CHECK(again.notifications + again.receipts + again.quarantined + again.raw_payloads == 0);
}

CONTRACT("prune: pending and dead-lettered work and its notifications are never removed") {
    auto store = backend.open();
    store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    for (int i = 1; i <= 3; ++i) {
        store->ingest({make_notification(i)}, make_arrival(Channel::mail, "m", "", ago(400)), "r");
    }
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;
    std::vector<OutboxEntry> rows = store->claim_outbox("A", 60, 10, now);
    REQUIRE(rows.size() == 3);
    // 1 done, 2 dead, 3 pending (its lease released by a failure, due again later).
    CHECK(store->complete_outbox(rows[0].rowid, "A"));
    CHECK(store->fail_outbox(rows[1].rowid, "A", "gave up", 0, true));
    CHECK(store->fail_outbox(rows[2].rowid, "A", "try again", now + 600, false));

    PrunePolicy policy;
    policy.notification_days = prune_minimum_days;
    policy.receipt_days = prune_minimum_days;
    policy.raw_days = prune_minimum_days;
    const PruneResult planned = store->prune(policy, prune_now, true);
    const PruneResult r = store->prune(policy, prune_now, false);
    CHECK(planned.notifications == 1);
    CHECK(r.notifications == 1);
    CHECK(r.notification_outbox == 1);
    CHECK(r.receipts == 2);  // the receipts policy still takes the others' old receipts
    const StoreCounts c = store->counts();
    CHECK(c.notifications == 2);
    CHECK(c.outbox_pending == 1);
    CHECK(c.outbox_dead == 1);
    CHECK(c.outbox_done == 0);
    CHECK_FALSE(store->find_notification(rows[0].key));
    CHECK(store->find_notification(rows[1].key));
    CHECK(store->find_notification(rows[2].key));
    // The dead row can still be revived and delivered: its record is there.
    CHECK(store->retry_dead() == 1);
    CHECK(store->claim_outbox("B", 60, 10, now + 700).size() == 2);
}

CONTRACT("prune: nothing younger than the minimum age goes; smaller ages are refused") {
    auto store = backend.open();
    const double minimum = prune_minimum_days;
    store->ingest({make_notification(1)},
                  make_arrival(Channel::mail, "a", "r1", ago(minimum - 0.01)), "r1");
    store->ingest({make_notification(2)},
                  make_arrival(Channel::mail, "b", "r2", ago(minimum + 0.01)), "r2");
    store->quarantine(make_arrival(Channel::mail, "q", "q", ago(minimum - 0.01)), "q", "junk");
    PrunePolicy policy;
    policy.notification_days = prune_minimum_days;
    policy.quarantine_days = prune_minimum_days;
    const PruneResult r = store->prune(policy, prune_now, false);
    CHECK(r.notifications == 1);
    CHECK(r.quarantined == 0);
    CHECK(store->find_notification(make_notification(1).key));
    CHECK_FALSE(store->find_notification(make_notification(2).key));
    CHECK(store->counts().quarantined == 1);

    const StoreCounts before = store->counts();
    for (int PrunePolicy::*age : {&PrunePolicy::raw_days, &PrunePolicy::receipt_days,
                                  &PrunePolicy::quarantine_days, &PrunePolicy::notification_days}) {
        for (int days : {1, -1}) {
            PrunePolicy bad;
            bad.*age = days;
            CHECK_THROWS_AS(store->prune(bad, prune_now, false), FatalError);
            CHECK_THROWS_AS(store->prune(bad, prune_now, true), FatalError);
        }
    }
    CHECK(same_counts(store->counts(), before));
    CHECK(check_prune_policy(PrunePolicy{}));
    PrunePolicy small;
    small.receipt_days = 1;
    const auto refused = check_prune_policy(small);
    CHECK_FALSE(refused);
    CHECK(refused.error().find("receipt-days") != std::string::npos);
}

CONTRACT("prune: more rows than one batch all go") {
    auto store = backend.open();
    const int total = Store::prune_batch_rows + 7;
    {
        Store::Batch batch(*store);
        for (int i = 1; i <= total; ++i) {
            const std::string raw = "raw " + std::to_string(i);
            store->ingest({make_notification(i)}, make_arrival(Channel::mail, "m", raw, ago(40)),
                          raw);
        }
        batch.commit();
    }
    PrunePolicy policy;
    policy.raw_days = 20;
    policy.notification_days = 30;
    CHECK(store->prune(policy, prune_now, true).notifications == total);
    const PruneResult r = store->prune(policy, prune_now, false);
    CHECK(r.notifications == total);
    CHECK(r.notification_receipts == total);
    CHECK(r.raw_payloads == 0);  // the notifications went first
    CHECK(store->counts().notifications == 0);
    CHECK(store->counts().receipts == 0);
    CHECK(store->ingest({make_notification(total)}, make_arrival(Channel::mail, "x"), "x")
              .duplicate_count == 1);
}

namespace {

// Every figure and listed row of a report, one line each.
std::string describe(const ReportRows& r) {
    auto opt = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "null"; };
    auto num = [](const std::optional<std::int64_t>& v) {
        return v ? std::to_string(*v) : std::string("null");
    };
    std::string out = "totals " + std::to_string(r.notifications) + " " +
                      std::to_string(r.new_notifications) + " " + std::to_string(r.arrivals) + " " +
                      std::to_string(r.quarantined) + " " + std::to_string(r.outbox_pending) + " " +
                      std::to_string(r.outbox_done) + " " + std::to_string(r.outbox_dead) + "\n";
    for (const ChannelRow& c : r.channels) {
        out += "channel " + c.channel + " " + std::to_string(c.arrivals) + " " +
               std::to_string(c.notifications) + " " + std::to_string(c.duplicates) + " " +
               std::to_string(c.first_arrivals) + " " + std::to_string(c.quarantined) + " " +
               opt(c.last_received_at) + "\n";
    }
    for (const DayChannelCount& d : r.per_day) {
        out += "day " + d.day + " " + d.channel + " " + std::to_string(d.arrivals) + "\n";
    }
    for (const auto* groups : {&r.by_type, &r.by_status, &r.error_codes, &r.quarantine_reasons}) {
        for (const GroupCount& g : *groups) {
            out += "group " + g.first + "/" + g.second + " " + std::to_string(g.count) + "\n";
        }
        out += "--\n";
    }
    for (const MailArrivalRow& m : r.mail_arrivals) {
        out += "mail " + m.key + " " + num(m.id) + " " + m.kind + " " + opt(m.type) + " " +
               opt(m.object_type) + " " + opt(m.object_value) + " " + opt(m.created) + " " +
               m.first_mail + " " + opt(m.first_push) + " " + opt(m.first_poll) + "\n";
    }
    for (const ErrorRow& e : r.errors) {
        out += "error " + e.key + " " + num(e.id) + " " + e.kind + " " + opt(e.type) + " " +
               opt(e.status_code) + " " + opt(e.status_text) + " " + opt(e.object_type) + " " +
               opt(e.object_value) + " " + opt(e.created) + "\n";
    }
    out += "open jobs " + std::to_string(r.open_jobs_total) + "\n";
    for (const OpenJobRow& j : r.open_jobs) out += "open " + j.key + "\n";
    for (const QuarantineRow& q : r.quarantine_latest) out += "quarantine " + q.received_at + "\n";
    return out;
}

// Arrivals in every order: the same key by several channels, an arrival older than the key's
// first, errors and jobs, every channel, and arrivals after the window's end.
void ingest_mixed_traffic(Store& store) {
    for (int i = 0; i < 60; ++i) {
        Notification n = make_notification(2000 + i % 23, i % 4 ? "transfer_start" : "zone_deleted",
                                           i % 5 ? "success" : "error");
        n.kind = i % 3 ? "notify" : "job";
        n.status.code = i % 5 ? "S0102" : (i % 2 ? "E0101" : "E0105");
        const Channel ch = i % 4 == 0   ? Channel::mail
                           : i % 4 == 1 ? Channel::push
                           : i % 4 == 2 ? Channel::poll
                                        : Channel::file;
        // Days 1..10 of May, not in ingest order; i % 13 == 5 arrives on April 30.
        const int day = i % 13 == 5 ? 0 : 1 + (i * 7) % 10;
        const std::string when =
            (day == 0 ? std::string("2024-04-30")
                      : "2024-05-" + std::string(day < 10 ? "0" : "") + std::to_string(day)) +
            "T0" + std::to_string(i % 10) + ":30:00Z";
        store.ingest({n}, make_arrival(ch, "t" + std::to_string(i), "", when), "r");
        if (i % 17 == 0) {
            store.quarantine(make_arrival(Channel::mail, "q", "", when), "junk", "bad: x");
        }
    }
}

}  // namespace

CONTRACT("report rows: a window from before the first arrival reads the same as any window") {
    // `plain` holds the traffic; `older` the same plus an earlier arrival of another key, so
    // that a window starting after that arrival (but before all the others) must be read from
    // the receipts, while in `plain` it starts before every receipt.
    auto plain = backend.open();
    ingest_mixed_traffic(*plain);
    Backend other(backend.kind());
    auto older = other.open();
    ingest_mixed_traffic(*older);
    Notification early = make_notification(1, "contact_deleted", "success");
    older->ingest({early}, make_arrival(Channel::file, "early", "", "1990-01-01T00:00:00Z"), "r");

    for (const char* until :
         {"2024-05-08T03:00:00Z", "2024-05-11T00:00:00Z", "2024-05-01T00:00:00Z"}) {
        INFO("until " << until);
        const ReportWindow window{"2000-01-01T00:00:00Z", until, 3, {}};
        const ReportRows a = plain->report_rows(window);
        const ReportRows b = older->report_rows(window);
        CHECK(a.arrivals > 0);
        CHECK(describe(a) == describe(b));
    }
    // A receipts policy that removes the earliest arrivals (and so first arrivals and
    // duplicates) from both.
    PrunePolicy policy;
    policy.receipt_days = 2;
    const std::int64_t may_4 =
        util::parse_time_to_unix("2024-05-04T00:00:00Z", "UTC0").value() + 2 * 86400;
    plain->prune(policy, may_4, false);
    older->prune(policy, may_4, false);
    older->ingest({early}, make_arrival(Channel::file, "early", "", "1990-01-01T00:00:00Z"), "r");
    const ReportWindow window{"2000-01-01T00:00:00Z", "2024-05-09T00:00:00Z", 3, {}};
    const ReportRows a = plain->report_rows(window);
    CHECK(a.arrivals > 0);
    CHECK(describe(a) == describe(older->report_rows(window)));
}

CONTRACT("report rows: the open jobs' total counts them all, whatever the listing's limit") {
    auto store = backend.open();
    for (int i = 0; i < 5; ++i) {
        Notification n = make_notification(3000 + i, "DomainCreate", "running");
        n.kind = "job";
        store->ingest({n},
                      make_arrival(Channel::push, "j" + std::to_string(i), "",
                                   "2024-05-0" + std::to_string(1 + i) + "T00:00:00Z"),
                      "r");
    }
    for (std::size_t limit : {std::size_t{2}, std::size_t{0}, std::size_t{50}}) {
        INFO("limit " << limit);
        const ReportRows rows = store->report_rows(
            ReportWindow{"2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", limit, {}});
        CHECK(rows.open_jobs_total == 5);
        CHECK(rows.open_jobs.size() == std::min<std::size_t>(limit, 5));
    }
}

CONTRACT("report rows: a store of schema version 3 gets its report summary on opening") {
    const ReportWindow all{"2000-01-01T00:00:00Z", "2024-05-08T03:00:00Z", 3, {}};
    const ReportWindow week{"2024-05-02T00:00:00Z", "2024-05-09T00:00:00Z", 3, {}};
    std::string before_all, before_week;
    {
        auto store = backend.open();
        ingest_mixed_traffic(*store);
        before_all = describe(store->report_rows(all));
        before_week = describe(store->report_rows(week));
    }
    backend.revert_to_version_3();
    auto store = backend.open();
    CHECK(store->schema_version() == store->latest_schema_version());
    CHECK(describe(store->report_rows(all)) == before_all);
    CHECK(describe(store->report_rows(week)) == before_week);
    // Kept up to date from there on.
    store->ingest({make_notification(2001)},
                  make_arrival(Channel::mail, "again", "", "2024-05-07T00:00:00Z"), "r");
    const ReportRows after = store->report_rows(all);
    CHECK(describe(after) != before_all);
    CHECK(after.channels[0].duplicates >= 1);
}

TEST_CASE("store contract: PostgreSQL and SQLite give the same report for the same inputs",
          "[contract][postgres]") {
    Backend lite(StoreBackend::sqlite), pg(StoreBackend::postgres);
    std::vector<ReportRows> results;
    for (Backend* backend : {&lite, &pg}) {
        auto store = backend->open();
        store->set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
        for (int i = 0; i < 40; ++i) {
            Notification n =
                make_notification(1000 + i % 25, i % 3 ? "transfer_start" : "zone_deleted",
                                  i % 7 ? "success" : "error");
            n.kind = i % 2 ? "job" : "notify";
            const Channel ch = i % 3 == 0   ? Channel::mail
                               : i % 3 == 1 ? Channel::push
                                            : Channel::poll;
            const std::string when = "2024-05-" + std::string(i % 9 < 9 ? "0" : "") +
                                     std::to_string(1 + i % 9) + "T1" + std::to_string(i % 10) +
                                     ":00:00Z";
            store->ingest({n}, make_arrival(ch, "l" + std::to_string(i), "", when), "r");
            if (i % 11 == 0) {
                store->quarantine(make_arrival(Channel::mail, "q", "", when), "junk",
                                  "reason " + std::to_string(i % 2));
            }
        }
        results.push_back(store->report_rows(
            ReportWindow{"2024-05-02T00:00:00Z", "2024-05-08T00:00:00Z", 50, {}}));
    }
    const ReportRows& s = results[0];
    const ReportRows& p = results[1];
    CHECK(s.notifications == p.notifications);
    CHECK(s.new_notifications == p.new_notifications);
    CHECK(s.arrivals == p.arrivals);
    CHECK(s.quarantined == p.quarantined);
    CHECK(s.outbox_pending == p.outbox_pending);
    REQUIRE(s.channels.size() == p.channels.size());
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
        CHECK(s.channels[i].channel == p.channels[i].channel);
        CHECK(s.channels[i].arrivals == p.channels[i].arrivals);
        CHECK(s.channels[i].duplicates == p.channels[i].duplicates);
        CHECK(s.channels[i].first_arrivals == p.channels[i].first_arrivals);
        CHECK(s.channels[i].last_received_at == p.channels[i].last_received_at);
    }
    auto groups = [](const std::vector<GroupCount>& g) {
        std::vector<std::string> out;
        for (const auto& x : g)
            out.push_back(x.first + "/" + x.second + "=" + std::to_string(x.count));
        return out;
    };
    CHECK(groups(s.by_type) == groups(p.by_type));
    CHECK(groups(s.by_status) == groups(p.by_status));
    CHECK(groups(s.quarantine_reasons) == groups(p.quarantine_reasons));
    auto keys = [](const auto& rows) {
        std::vector<std::string> out;
        for (const auto& r : rows) out.push_back(r.key);
        return out;
    };
    CHECK(keys(s.errors) == keys(p.errors));
    CHECK(keys(s.mail_arrivals) == keys(p.mail_arrivals));
    CHECK(keys(s.open_jobs) == keys(p.open_jobs));
    CHECK(s.open_jobs_total == p.open_jobs_total);
    CHECK(s.per_day.size() == p.per_day.size());
}

TEST_CASE(
    "store contract: an unreachable PostgreSQL server is a temporary error without the "
    "password",
    "[contract]") {
    StoreOptions o;
    o.location = "postgresql://autodns:s3cret-pw@/autodns?host=/nonexistent-autodns-socket";
    o.busy_timeout_ms = 1000;
    try {
        open_store(o);
        FAIL("opened");
    } catch (const FatalError& e) {
        CHECK(e.temporary());
        const std::string what = e.what();
        CHECK(what.find("s3cret-pw") == std::string::npos);
        CHECK(what.find("postgresql://autodns:***@/autodns") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
    }
}

TEST_CASE("store contract: locations select the backend; other schemes are refused", "[contract]") {
    CHECK(check_store_location("/var/lib/x.sqlite"));
    CHECK(check_store_location("relative/x.sqlite"));
    CHECK(check_store_location("sqlite:/tmp/x"));
    CHECK(check_store_location("postgresql://h/db"));
    CHECK(check_store_location("postgres://h/db"));
    CHECK_FALSE(check_store_location("mysql://h/db"));
    CHECK_THAT(check_store_location("mysql://h/db").error(),
               Catch::Contains("mysql://") && Catch::Contains("postgresql://"));
    CHECK_FALSE(check_store_location(""));
    CHECK_FALSE(check_store_location("").error().empty());
    CHECK_FALSE(check_store_location("sqlite:"));
    CHECK_FALSE(check_store_location("sqlite:").error().empty());
    CHECK(store_backend_of("postgres://h/db") == StoreBackend::postgres);
    CHECK(store_backend_of("sqlite:/x") == StoreBackend::sqlite);
    CHECK(redacted_location("postgresql://u:pw@h:5432/db?sslmode=require") ==
          "postgresql://u:***@h:5432/db?sslmode=require");
    CHECK(redacted_location("postgresql://h/db?user=u&password=pw&x=1") ==
          "postgresql://h/db?user=u&password=***&x=1");
    CHECK(redacted_location("postgresql://u@h/db") == "postgresql://u@h/db");
    CHECK(redacted_location("/a:b@c") == "/a:b@c");
    try {
        open_store(StoreOptions{"ftp://x"});
        FAIL("opened");
    } catch (const FatalError& e) {
        CHECK_FALSE(e.temporary());
    }
}
