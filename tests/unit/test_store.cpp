// The SQLite store against real database files in a temporary directory: dedup, receipts,
// outbox, batches, rollback, migrations, locking, read-only files and several processes.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grp.h>
#include <catch2/catch.hpp>
#include <ctime>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/notification.hpp"
#include "parse/record_json.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "util/time.hpp"

using namespace autodns;
namespace fs = std::filesystem;

namespace {

int sqlite_latest_version() {
    return sqlite_sql::latest_version;
}

class TempDir {
  public:
    TempDir() {
        char pattern[] = "/tmp/autodns-store-test-XXXXXX";
        if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

Notification make_notification(std::int64_t id, const std::string& type = "transfer_start") {
    Notification n;
    n.id = id;
    n.kind = "notify";
    n.type = type;
    n.status = {std::string("notify"), std::string("N0102"), std::string("in progress")};
    n.object = {std::string("domain"), "example-" + std::to_string(id) + ".com"};
    n.stid = "20240101-app1-" + std::to_string(id);
    n.created = "2024-01-01T12:00:00Z";
    n.format = Format::json;
    n.data_json = R"({"name":"example.com"})";
    assign_key(n);
    return n;
}

Arrival make_arrival(Channel channel, const std::string& locator, const std::string& raw = "") {
    Arrival a;
    a.channel = channel;
    a.locator = locator;
    a.message_id = "<" + locator + "@example.net>";
    a.raw_sha256 = raw.empty() ? "" : sha256_hex(raw);
    return a;
}

StoreOptions options_for(const std::string& path, int busy_timeout_ms = 10000) {
    StoreOptions o;
    o.location = path;
    o.busy_timeout_ms = busy_timeout_ms;
    return o;
}

// A second, independent connection through the SQLite C API, for looking behind the store.
class RawDb {
  public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            throw std::runtime_error("raw open failed: " + path);
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string message = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error("raw exec failed: " + sql + ": " + message);
        }
    }
    std::int64_t scalar(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            throw std::runtime_error("raw prepare failed: " + sql);
        }
        std::int64_t value = -1;
        if (sqlite3_step(s) == SQLITE_ROW) value = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return value;
    }

    std::string text(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            throw std::runtime_error("raw prepare failed: " + sql);
        }
        std::string value;
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
            value = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
        return value;
    }

  private:
    sqlite3* db_ = nullptr;
};

// Runs `body` in a forked child; its return value is the exit status, anything it writes to
// the given fd comes back as `output`. The child never returns into Catch2.
struct ChildResult {
    int status = -1;
    std::string output;
};

pid_t start_child(const std::function<int(int out_fd)>& body, int& read_fd) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(fds[0]);
        int rc = 98;
        try {
            rc = body(fds[1]);
        } catch (const std::exception& e) {
            (void)!::write(fds[1], e.what(), std::strlen(e.what()));
            rc = 99;
        } catch (...) {
            rc = 99;
        }
        ::_exit(rc);
    }
    ::close(fds[1]);
    read_fd = fds[0];
    return pid;
}

ChildResult finish_child(pid_t pid, int read_fd) {
    ChildResult result;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read_fd, buf, sizeof buf)) > 0) result.output.append(buf, std::size_t(n));
    ::close(read_fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

ChildResult run_child(const std::function<int(int out_fd)>& body) {
    int read_fd = -1;
    pid_t pid = start_child(body, read_fd);
    return finish_child(pid, read_fd);
}

void write_text(int fd, const std::string& text) {
    (void)!::write(fd, text.data(), text.size());
}

// Exit statuses of children that open a store expecting a FatalError.
enum ChildOutcome : int {
    child_ok = 0,
    child_temporary = 10,
    child_permanent = 11,
    child_no_error = 12,
    child_cannot_drop = 77,
};

int expect_fatal(const std::function<void()>& action, int out_fd) {
    try {
        action();
    } catch (const FatalError& e) {
        write_text(out_fd, e.what());
        return e.temporary() ? child_temporary : child_permanent;
    }
    return child_no_error;
}

const uid_t nobody = 65534;

// Becomes the unprivileged user when running as root (file permissions do not stop root).
bool drop_root() {
    if (::geteuid() != 0) return true;
    return ::setgroups(0, nullptr) == 0 && ::setgid(nobody) == 0 && ::setuid(nobody) == 0 &&
           ::geteuid() == nobody;
}

int file_mode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return -1;
    return int(st.st_mode & 07777);
}

}  // namespace

TEST_CASE("store: the same key by mail, push and poll is one notification, three receipts",
          "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("n.sqlite")));
    Notification n = make_notification(1005491836);
    const std::string mail_raw = std::string("From: x\r\n\r\nbody\0with NUL", 24);

    IngestResult first =
        store.ingest({n}, make_arrival(Channel::mail, "mail-1", mail_raw), mail_raw);
    CHECK(first.outcome == IngestOutcome::stored);
    CHECK(first.new_count == 1);
    CHECK(first.duplicate_count == 0);
    CHECK(first.new_keys == std::vector<std::string>{"id:1005491836"});

    Notification as_xml = n;
    as_xml.format = Format::xml;
    IngestResult push = store.ingest({as_xml}, make_arrival(Channel::push, "10.0.0.1"), "<x/>");
    IngestResult poll = store.ingest({n}, make_arrival(Channel::poll, "/poll"), "{}");
    CHECK(push.outcome == IngestOutcome::duplicate);
    CHECK(push.new_count == 0);
    CHECK(push.duplicate_count == 1);
    CHECK(push.new_keys.empty());
    CHECK(poll.outcome == IngestOutcome::duplicate);

    StoreCounts c = store.counts();
    CHECK(c.notifications == 1);
    CHECK(c.receipts == 3);

    std::vector<Receipt> receipts = store.receipts_for(n.key);
    REQUIRE(receipts.size() == 3);
    CHECK(receipts[0].channel == Channel::mail);
    CHECK(receipts[0].locator == "mail-1");
    CHECK(receipts[0].message_id == "<mail-1@example.net>");
    CHECK(receipts[0].raw_sha256 == sha256_hex(mail_raw));
    CHECK(receipts[1].channel == Channel::push);
    CHECK(receipts[2].channel == Channel::poll);
    for (const Receipt& r : receipts) CHECK(r.received_at.size() == 20);  // ISO 8601 UTC

    // The first arrival wins: its record, payload and channel are what is stored.
    auto stored = store.find_notification(n.key);
    REQUIRE(stored);
    CHECK(stored->record_json == record_to_json(n));
    CHECK(stored->record.format == Format::json);
    CHECK(stored->record.stid == n.stid);
    CHECK(stored->raw_payload == mail_raw);
    CHECK(stored->first_channel == Channel::mail);
    CHECK_FALSE(store.find_notification("id:1"));

    // One arrival carrying a new and a known notification: stored, one of each.
    Notification other = make_notification(77);
    IngestResult mixed = store.ingest({n, other}, make_arrival(Channel::poll, "/poll"), "{}");
    CHECK(mixed.outcome == IngestOutcome::stored);
    CHECK(mixed.new_count == 1);
    CHECK(mixed.duplicate_count == 1);
    CHECK(mixed.new_keys == std::vector<std::string>{other.key});
    CHECK(store.counts().notifications == 2);
    CHECK(store.counts().receipts == 5);

    // A notification that was never given a key is refused before anything is written.
    Notification keyless = make_notification(99);
    keyless.key.clear();
    CHECK_THROWS_AS(store.ingest({other, keyless}, make_arrival(Channel::poll, "/poll"), "{}"),
                    ItemError);
    CHECK(store.counts().receipts == 5);

    // Nothing to record: nothing written.
    IngestResult none = store.ingest({}, make_arrival(Channel::mail, "empty"), "x");
    CHECK(none.new_count == 0);
    CHECK(store.counts().receipts == 5);
}

TEST_CASE("store: keys without an id dedup across formats", "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("n.sqlite")));
    Notification a;
    a.kind = "notify";
    a.type = "zone_deleted";
    a.object = {std::string("zone"), std::string("example.com")};
    a.created = "2024-12-30T12:00:00Z";
    assign_key(a);
    Notification b = a;
    b.format = Format::xml;
    assign_key(b);
    REQUIRE(a.key == b.key);
    CHECK(store.ingest({a}, make_arrival(Channel::mail, "1"), "a").new_count == 1);
    CHECK(store.ingest({b}, make_arrival(Channel::mail, "2"), "b").new_count == 0);
    auto stored = store.find_notification(a.key);
    REQUIRE(stored);
    CHECK_FALSE(stored->record.id.has_value());
    CHECK(store.counts().notifications == 1);
}

TEST_CASE("store: outbox rows only for new notifications and routed handlers", "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("o.sqlite")));
    int router_calls = 0;
    store.set_outbox_router([&](const Notification& n) {
        ++router_calls;
        if (n.type == std::optional<std::string>("transfer_start")) {
            return std::vector<std::string>{"jsonl", "exec", "jsonl"};  // repeated name: one row
        }
        return std::vector<std::string>{};
    });
    Notification transfer = make_notification(1, "transfer_start");
    Notification away = make_notification(2, "domain_away");

    store.ingest({transfer}, make_arrival(Channel::mail, "m1"), "raw");
    store.ingest({transfer}, make_arrival(Channel::push, "p1"), "raw");  // duplicate: no rows
    store.ingest({away}, make_arrival(Channel::mail, "m2"), "raw");      // routed nowhere
    CHECK(router_calls == 2);  // only new notifications are routed

    std::vector<OutboxEntry> pending = store.list_outbox(OutboxState::pending);
    REQUIRE(pending.size() == 2);
    std::set<std::string> handlers;
    for (const OutboxEntry& e : pending) {
        CHECK(e.key == transfer.key);
        CHECK(e.attempts == 0);
        CHECK_FALSE(e.lease_owner);
        CHECK(e.record_json.empty());
        handlers.insert(e.handler);
    }
    CHECK(handlers == std::set<std::string>{"exec", "jsonl"});
    CHECK(store.counts().outbox_pending == 2);
    CHECK(store.list_outbox(OutboxState::done).empty());

    // Without a router nothing is queued.
    store.set_outbox_router(nullptr);
    store.ingest({make_notification(3)}, make_arrival(Channel::mail, "m3"), "raw");
    CHECK(store.counts().outbox_pending == 2);
}

TEST_CASE("store: a batch commits together and a rollback leaves nothing", "[store]") {
    TempDir dir;
    const std::string path = dir.file("b.sqlite");
    SqliteStore store(options_for(path));
    store.set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    RawDb other(path);

    {
        Store::Batch batch(store);
        CHECK(store.in_batch());
        CHECK(batch.open());
        for (int i = 1; i <= 3; ++i) {
            store.ingest({make_notification(i)},
                         make_arrival(Channel::file, "f" + std::to_string(i)), "raw");
        }
        store.quarantine(make_arrival(Channel::file, "q"), "junk", "not a notification");
        CHECK(store.counts().notifications == 3);  // the batch sees its own rows
        CHECK(other.scalar("SELECT count(*) FROM notifications") == 0);  // nobody else yet
        batch.commit();
        CHECK_FALSE(store.in_batch());
    }
    CHECK(other.scalar("SELECT count(*) FROM notifications") == 3);
    CHECK(other.scalar("SELECT count(*) FROM quarantine") == 1);
    CHECK(other.scalar("SELECT count(*) FROM outbox") == 3);

    {
        Store::Batch batch(store);  // left without commit(): rolled back
        store.ingest({make_notification(4)}, make_arrival(Channel::file, "f4"), "raw");
        store.ingest({make_notification(1)}, make_arrival(Channel::file, "f1 again"), "raw");
        store.quarantine(make_arrival(Channel::file, "q2"), "junk", "bad");
    }
    CHECK_FALSE(store.in_batch());
    StoreCounts c = store.counts();
    CHECK(c.notifications == 3);
    CHECK(c.receipts == 3);
    CHECK(c.quarantined == 1);
    CHECK(c.outbox_pending == 3);
    CHECK_FALSE(store.find_notification(make_notification(4).key));

    // An exception inside a batch rolls back the whole batch and ends it.
    {
        Store::Batch batch(store);
        store.ingest({make_notification(5)}, make_arrival(Channel::file, "f5"), "raw");
        store.set_outbox_router([](const Notification& n) -> std::vector<std::string> {
            if (n.id == 6) throw std::runtime_error("router failed");
            return {"h"};
        });
        CHECK_THROWS_AS(
            store.ingest({make_notification(6)}, make_arrival(Channel::file, "f6"), "raw"),
            std::runtime_error);
        CHECK_FALSE(store.in_batch());
        CHECK_FALSE(batch.open());
        CHECK_THROWS_AS(batch.commit(), FatalError);
    }
    CHECK(store.counts().notifications == 3);
    CHECK_FALSE(store.find_notification(make_notification(5).key));

    // A batch left open is rolled back when the store goes away.
    {
        auto scoped = std::make_unique<SqliteStore>(options_for(path));
        // Never destroyed (built in place, not on the heap): the store's close rolls back.
        alignas(Store::Batch) unsigned char room[sizeof(Store::Batch)];
        new (room) Store::Batch(*scoped);
        scoped->ingest({make_notification(7)}, make_arrival(Channel::file, "f7"), "raw");
        scoped.reset();
    }
    CHECK(other.scalar("SELECT count(*) FROM notifications") == 3);
}

TEST_CASE("store: a failure in the middle of an ingest writes nothing", "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("r.sqlite")));
    store.set_outbox_router([](const Notification& n) -> std::vector<std::string> {
        if (n.id == 2) throw FatalError("handler table unreadable", false);
        return {"jsonl"};
    });
    CHECK_THROWS_AS(store.ingest({make_notification(1), make_notification(2)},
                                 make_arrival(Channel::mail, "m", "raw"), "raw"),
                    FatalError);
    StoreCounts c = store.counts();
    CHECK(c.notifications == 0);
    CHECK(c.receipts == 0);
    CHECK(c.outbox_pending == 0);
    CHECK_FALSE(store.seen_raw(sha256_hex("raw")));
    // The store is usable afterwards.
    store.set_outbox_router(nullptr);
    CHECK(store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw").new_count ==
          1);
}

TEST_CASE("store: seen_raw finds receipts and quarantine rows by fingerprint", "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("s.sqlite")));
    const std::string mail = "a mail", junk = "junk mail";
    CHECK_FALSE(store.seen_raw(sha256_hex(mail)));
    CHECK_FALSE(store.seen_raw(""));
    store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m", mail), mail);
    CHECK(store.seen_raw(sha256_hex(mail)));
    CHECK_FALSE(store.seen_raw(sha256_hex(junk)));
    store.quarantine(make_arrival(Channel::mail, "j", junk), junk, "untrusted sender");
    CHECK(store.seen_raw(sha256_hex(junk)));
    // An arrival without a fingerprint is stored with none; the empty string never matches.
    store.ingest({make_notification(2)}, make_arrival(Channel::push, "p"), "x");
    CHECK_FALSE(store.seen_raw(""));
}

TEST_CASE("store: quarantine keeps the exact raw bytes", "[store]") {
    TempDir dir;
    const std::string path = dir.file("q.sqlite");
    std::string raw("head\0\0tail\r\n\xff\xfe\x80", 15);
    for (int i = 0; i < 70000; ++i) raw.push_back(char(i * 7));  // large, every byte value
    {
        SqliteStore store(options_for(path));
        Arrival a = make_arrival(Channel::mail, "maildir/new/1", raw);
        store.quarantine(a, raw, "not a notification");
        store.quarantine(make_arrival(Channel::push, "10.0.0.2"), std::string(), "empty body");
    }
    SqliteStore store(options_for(path));  // read back through a new connection
    std::vector<QuarantineEntry> rows = store.list_quarantine();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].raw.size() == raw.size());
    CHECK(rows[0].raw == raw);
    CHECK(rows[0].channel == Channel::mail);
    CHECK(rows[0].locator == "maildir/new/1");
    CHECK(rows[0].raw_sha256 == sha256_hex(raw));
    CHECK(rows[0].reason == "not a notification");
    CHECK(rows[1].raw.empty());
    CHECK(rows[1].raw_sha256.empty());
    CHECK(rows[1].channel == Channel::push);
    CHECK(store.counts().quarantined == 2);
    CHECK(store.counts().notifications == 0);
    CHECK(store.list_quarantine(1).size() == 1);
}

TEST_CASE("store: a database of schema version 1 migrates to retention and keeps its data",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("v1.sqlite");
    {
        SqliteStore store(options_for(path));
        store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw");
    }
    {
        // Back to what version 1 of the program left: no retention tables, no report indexes.
        RawDb raw(path);
        raw.exec(
            "DROP TRIGGER report_receipt_added; DROP TRIGGER report_receipt_removed; "
            "DROP TABLE report_keys; DROP TABLE report_days; "
            "DROP INDEX notifications_first_arrival; "
            "DROP TABLE pruned_keys; DROP TABLE pruned_raw; DROP TABLE prune_horizons; "
            "DROP INDEX receipts_received_at; DROP INDEX notifications_first_received_at; "
            "DROP INDEX quarantine_received_at; DROP INDEX notifications_job_id; "
            "DROP INDEX receipts_channel_received_at; DROP INDEX notifications_open_jobs; "
            "PRAGMA user_version = 1");
    }
    {
        StoreOptions ro = options_for(path);
        ro.read_only = true;
        CHECK_THROWS_AS(SqliteStore(ro), FatalError);  // a reader does not migrate
    }
    SqliteStore store(options_for(path));
    CHECK(store.schema_version() == sqlite_latest_version());
    CHECK(store.counts().notifications == 1);
    CHECK(store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m2"), "raw")
              .duplicate_count == 1);
    PrunePolicy policy;
    policy.notification_days = 2;
    const std::int64_t later = static_cast<std::int64_t>(std::time(nullptr)) + 3 * 86400;
    CHECK(store.prune(policy, later, false).notifications == 1);
    CHECK(store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m3"), "raw")
              .duplicate_count == 1);
    CHECK(store.counts().notifications == 0);
}

namespace {

// Rows of report_keys and report_days that differ from what the receipts and notifications
// give, counted both ways.
std::int64_t summary_mismatches(RawDb& raw) {
    const std::string keys =
        "SELECT r.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type, "
        "n.object_value, n.created, count(*), min(r.rowid), "
        "(SELECT f.channel FROM receipts f WHERE f.key = r.key ORDER BY f.rowid LIMIT 1), "
        "(SELECT f.received_at FROM receipts f WHERE f.key = r.key ORDER BY f.rowid LIMIT 1), "
        "min(r.received_at), count(*) FILTER (WHERE r.channel = 'mail'), "
        "count(*) FILTER (WHERE r.channel = 'push'), count(*) FILTER (WHERE r.channel = 'poll'), "
        "count(*) FILTER (WHERE r.channel = 'file'), "
        "min(r.received_at) FILTER (WHERE r.channel = 'mail'), "
        "min(r.received_at) FILTER (WHERE r.channel = 'push'), "
        "min(r.received_at) FILTER (WHERE r.channel = 'poll'), "
        "min(r.received_at) FILTER (WHERE r.channel = 'file') "
        "FROM receipts r LEFT JOIN notifications n ON n.key = r.key GROUP BY r.key";
    const std::string days =
        "SELECT substr(received_at, 1, 10), channel, count(*) FROM receipts GROUP BY 1, 2";
    return raw.scalar("SELECT count(*) FROM (SELECT * FROM report_keys EXCEPT " + keys + ")") +
           raw.scalar("SELECT count(*) FROM (" + keys + " EXCEPT SELECT * FROM report_keys)") +
           raw.scalar("SELECT count(*) FROM (SELECT * FROM report_days EXCEPT " + days + ")") +
           raw.scalar("SELECT count(*) FROM (" + days + " EXCEPT SELECT * FROM report_days)");
}

Arrival arrival_at(Channel channel, const std::string& locator, const std::string& when) {
    Arrival a = make_arrival(channel, locator);
    a.received_at = when;
    return a;
}

}  // namespace

TEST_CASE(
    "store: the report summary follows every receipt: ingest, migration from version 3, "
    "prune, tombstones",
    "[store]") {
    TempDir dir;
    const std::string path = dir.file("v3.sqlite");
    const Notification n1 = make_notification(1), n2 = make_notification(2, "zone_deleted"),
                       n3 = make_notification(3);
    {
        SqliteStore store(options_for(path));
        store.ingest({n1}, arrival_at(Channel::push, "p1", "2024-05-01T10:00:00Z"), "r");
        store.ingest({n1}, arrival_at(Channel::mail, "m1", "2024-06-01T10:00:00Z"), "r");
        // A later receipt with an earlier arrival time: the first arrival, not the first row.
        store.ingest({n2}, arrival_at(Channel::poll, "o2", "2024-06-02T10:00:00Z"), "r");
        store.ingest({n2}, arrival_at(Channel::file, "f2", "2024-05-20T10:00:00Z"), "r");
    }
    {
        RawDb raw(path);
        CHECK(summary_mismatches(raw) == 0);
        CHECK(raw.text("SELECT first_channel || ' ' || first_at || ' ' || receipts FROM "
                       "report_keys WHERE key = '" +
                       n2.key + "'") == "poll 2024-05-20T10:00:00Z 2");
        CHECK(raw.scalar("SELECT arrivals FROM report_days WHERE day = '2024-05-20'") == 1);
        // Back to what version 3 left, and a receipt that version 3 wrote.
        raw.exec(
            "DROP TRIGGER report_receipt_added; DROP TRIGGER report_receipt_removed; "
            "DROP TABLE report_keys; DROP TABLE report_days; "
            "DROP INDEX notifications_first_arrival; "
            "PRAGMA user_version = 3");
        raw.exec("INSERT INTO receipts (key, channel, received_at) VALUES ('" + n1.key +
                 "', 'poll', '2024-06-03T10:00:00Z')");
    }
    SqliteStore store(options_for(path));
    CHECK(store.schema_version() == 4);
    store.ingest({n3}, arrival_at(Channel::mail, "m3", "2024-07-01T10:00:00Z"), "r");
    {
        RawDb raw(path);
        CHECK(summary_mismatches(raw) == 0);
        CHECK(raw.scalar("SELECT count(*) FROM report_keys") == 3);
        CHECK(raw.text("SELECT first_channel || ' ' || receipts || ' ' || poll FROM report_keys "
                       "WHERE key = '" +
                       n1.key + "'") == "push 3 1");
    }
    const std::int64_t day = 86400;
    const std::int64_t may_15 = util::parse_time_to_unix("2024-05-15T00:00:00Z", "UTC0").value();
    PrunePolicy receipts;
    receipts.receipt_days = 2;
    CHECK(store.prune(receipts, may_15 + 2 * day, false).receipts == 1);  // n1 by push
    {
        RawDb raw(path);
        CHECK(summary_mismatches(raw) == 0);
        CHECK(raw.text("SELECT first_channel || ' ' || first_at || ' ' || receipts FROM "
                       "report_keys WHERE key = '" +
                       n1.key + "'") == "mail 2024-06-01T10:00:00Z 2");
        CHECK(raw.scalar("SELECT count(*) FROM report_days WHERE day = '2024-05-01'") == 0);
    }
    PrunePolicy notifications;
    notifications.notification_days = 2;
    const std::int64_t june_15 = util::parse_time_to_unix("2024-06-15T00:00:00Z", "UTC0").value();
    CHECK(store.prune(notifications, june_15 + 2 * day, false).notifications == 2);
    // A late arrival of a pruned key: a receipt without a stored notification.
    CHECK(store.ingest({n2}, arrival_at(Channel::mail, "late", "2024-07-02T10:00:00Z"), "r")
              .duplicate_count == 1);
    RawDb raw(path);
    CHECK(summary_mismatches(raw) == 0);
    CHECK(raw.scalar("SELECT count(*) FROM report_keys") == 2);
    CHECK(raw.scalar("SELECT count(*) FROM report_keys WHERE key = '" + n2.key +
                     "' AND kind IS NULL AND mail = 1") == 1);
}

TEST_CASE("store: migrations run once and a newer schema is refused", "[store]") {
    TempDir dir;
    const std::string path = dir.file("m.sqlite");
    REQUIRE(sqlite_latest_version() >= 1);
    {
        SqliteStore store(options_for(path));
        CHECK(store.schema_version() == sqlite_latest_version());
        store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw");
    }
    {
        RawDb raw(path);
        CHECK(raw.scalar("PRAGMA user_version") == sqlite_latest_version());
        for (const char* table : {"notifications", "receipts", "quarantine", "outbox"}) {
            CHECK(raw.scalar(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                         "'table' AND name = '") +
                             table + "'") == 1);
        }
        CHECK(raw.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                         "('notifications_created', 'notifications_type', "
                         "'notifications_status_code', 'notifications_id', 'receipts_key', "
                         "'receipts_raw_sha256', 'quarantine_raw_sha256', 'outbox_due')") == 8);
        CHECK(raw.text("PRAGMA journal_mode") == "wal");
    }
    {
        // Reopening finds the latest version and runs nothing again (re-running the first step
        // would fail on the existing tables); the data is still there.
        SqliteStore store(options_for(path));
        CHECK(store.schema_version() == sqlite_latest_version());
        CHECK(store.counts().notifications == 1);
    }
    {
        RawDb raw(path);
        raw.exec("PRAGMA user_version = " + std::to_string(sqlite_latest_version() + 1));
    }
    try {
        SqliteStore store(options_for(path));
        FAIL("a newer schema was accepted");
    } catch (const FatalError& e) {
        CHECK_FALSE(e.temporary());
        CHECK(std::string(e.what()).find("newer") != std::string::npos);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
    }

    // A file that is not a database is a permanent error, not a temporary one.
    const std::string junk = dir.file("junk.sqlite");
    {
        std::FILE* f = std::fopen(junk.c_str(), "wb");
        REQUIRE(f);
        std::string text(8192, 'x');
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    try {
        SqliteStore store(options_for(junk));
        FAIL("a non-database file was accepted");
    } catch (const FatalError& e) {
        CHECK_FALSE(e.temporary());
        CHECK(std::string(e.what()).find(junk) != std::string::npos);
    }
}

TEST_CASE("store: read-only opening neither creates nor migrates", "[store]") {
    TempDir dir;
    const std::string path = dir.file("ro.sqlite");
    StoreOptions ro = options_for(path);
    ro.read_only = true;
    CHECK_THROWS_AS(SqliteStore(ro), FatalError);
    CHECK_FALSE(fs::exists(path));
    {
        SqliteStore store(options_for(path));
        store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw");
    }
    SqliteStore reader(ro);
    CHECK(reader.counts().notifications == 1);
    CHECK(reader.find_notification("id:1"));
}

TEST_CASE("store: new files are private and the WAL is kept between processes", "[store]") {
    TempDir dir;
    const std::string path = dir.path() + "/a/b/notify.sqlite";
    {
        SqliteStore store(options_for(path));
        store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw");
    }
    CHECK(file_mode(dir.path() + "/a") == 0700);
    CHECK(file_mode(dir.path() + "/a/b") == 0700);
    CHECK(file_mode(path) == 0600);
    // Closed without checkpoint or removal: the -wal and -shm files stay, mode 0600 too.
    CHECK(file_mode(path + "-wal") == 0600);
    CHECK(file_mode(path + "-shm") == 0600);
    CHECK(fs::file_size(path + "-wal") > 0);
    RawDb raw(path);
    CHECK(raw.scalar("SELECT count(*) FROM notifications") == 1);
}

TEST_CASE("store: the WAL is checkpointed and truncated once it is large", "[store]") {
    TempDir dir;
    const std::string path = dir.file("w.sqlite");
    StoreOptions o = options_for(path);
    const SqliteTuning tuning{50};
    std::uintmax_t largest = 0;
    for (int i = 0; i < 60; ++i) {
        SqliteStore store(o, tuning);  // one process-like open per arrival
        store.ingest({make_notification(i)}, make_arrival(Channel::mail, "m"),
                     std::string(6000, char('a' + i % 26)));
        largest = std::max(largest, fs::file_size(path + "-wal"));
    }
    // Without checkpoints 60 arrivals of several pages each would far exceed 50 pages.
    CHECK(largest < std::uintmax_t(2 * 50 * 4120));
    CHECK(fs::file_size(path) > std::uintmax_t(60 * 6000));  // the data reached the database
    SqliteStore store(o, tuning);
    CHECK(store.counts().notifications == 60);
}

TEST_CASE("store: checkpoint() empties a large WAL at once", "[store]") {
    TempDir dir;
    const std::string path = dir.file("c.sqlite");
    StoreOptions o = options_for(path);
    SqliteStore store(o, SqliteTuning{1 << 20});  // never by itself
    for (int i = 0; i < 40; ++i) {
        store.ingest({make_notification(i)}, make_arrival(Channel::mail, "m"),
                     std::string(6000, char('a' + i % 26)));
    }
    REQUIRE(fs::file_size(path + "-wal") > std::uintmax_t(40 * 6000));
    CHECK(store.checkpoint());
    CHECK(fs::file_size(path + "-wal") == 0);
    CHECK(fs::file_size(path) > std::uintmax_t(40 * 6000));
    RawDb raw(path);
    CHECK(raw.scalar("SELECT count(*) FROM notifications") == 40);
    // Not inside a batch: the batch's uncommitted pages must not be copied.
    Store::Batch batch(store);
    store.ingest({make_notification(100)}, make_arrival(Channel::mail, "m"), "x");
    CHECK_FALSE(store.checkpoint());
    batch.commit();
}

TEST_CASE("store: ingest stores the records it is given, else makes them", "[store]") {
    TempDir dir;
    const std::string path = dir.file("r.sqlite");
    SqliteStore store(options_for(path));
    const Notification a = make_notification(1), b = make_notification(2);
    const std::vector<std::string> prepared = {record_to_json(a)};
    store.ingest({a}, make_arrival(Channel::mail, "m"), "raw", &prepared);
    // A list that does not match the notifications is not used.
    const std::vector<std::string> wrong = {"{}", "{}"};
    store.ingest({b}, make_arrival(Channel::mail, "m"), "raw", &wrong);
    RawDb raw(path);
    CHECK(raw.text("SELECT record FROM notifications WHERE key = 'id:1'") == prepared[0]);
    CHECK(raw.text("SELECT record FROM notifications WHERE key = 'id:2'") == record_to_json(b));
}

TEST_CASE("store: a database locked past the busy timeout fails temporarily, writes nothing",
          "[store]") {
    TempDir dir;
    const std::string path = dir.file("l.sqlite");
    { SqliteStore create(options_for(path)); }

    // Another process takes the write lock and holds it until told to let go.
    int go[2];
    REQUIRE(::pipe(go) == 0);
    int locked_fd = -1;
    pid_t holder = start_child(
        [&](int out_fd) {
            ::close(go[1]);
            sqlite3* db = nullptr;
            if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
            if (sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) != SQLITE_OK) {
                return 2;
            }
            write_text(out_fd, "L");
            char c;
            (void)!::read(go[0], &c, 1);
            sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
            sqlite3_close(db);
            return 0;
        },
        locked_fd);
    ::close(go[0]);
    char signal_byte = 0;
    REQUIRE(::read(locked_fd, &signal_byte, 1) == 1);
    REQUIRE(signal_byte == 'L');

    SqliteStore store(options_for(path, 200));
    Notification n = make_notification(42);
    auto started = std::chrono::steady_clock::now();
    try {
        store.ingest({n}, make_arrival(Channel::mail, "m", "raw"), "raw");
        FAIL("ingest succeeded although the database was locked");
    } catch (const FatalError& e) {
        CHECK(e.temporary());
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        CHECK(std::string(e.what()).find("locked") != std::string::npos);
    }
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= std::chrono::milliseconds(150));  // it did wait for the lock
    CHECK_THROWS_AS(Store::Batch(store), FatalError);
    CHECK_FALSE(store.in_batch());
    try {
        store.quarantine(make_arrival(Channel::mail, "q"), "junk", "bad");
        FAIL("quarantine succeeded although the database was locked");
    } catch (const FatalError& e) {
        CHECK(e.temporary());
    }

    (void)!::write(go[1], "x", 1);
    ::close(go[1]);
    ChildResult holder_result = finish_child(holder, locked_fd);
    REQUIRE(holder_result.status == 0);

    StoreCounts c = store.counts();
    CHECK(c.notifications == 0);
    CHECK(c.receipts == 0);
    CHECK(c.quarantined == 0);
    // Retrying after the lock is gone succeeds: the same arrival is new now.
    CHECK(store.ingest({n}, make_arrival(Channel::mail, "m", "raw"), "raw").new_count == 1);
    CHECK(store.counts().receipts == 1);
}

TEST_CASE("store: a read-only database or directory fails temporarily", "[store]") {
    TempDir dir;
    // An unprivileged child must be able to reach the files.
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    const bool root = ::geteuid() == 0;
    const std::string own_dir = dir.file("own");
    REQUIRE(::mkdir(own_dir.c_str(), 0755) == 0);
    const std::string path = own_dir + "/ro.sqlite";
    {
        SqliteStore store(options_for(path));
        store.ingest({make_notification(1)}, make_arrival(Channel::mail, "m"), "raw");
    }
    if (root) {
        for (const std::string& p : {own_dir, path, path + "-wal", path + "-shm"}) {
            REQUIRE(::chown(p.c_str(), nobody, nobody) == 0);
        }
    }

    // First prove that the unprivileged user can write here at all ...
    ChildResult writable = run_child([&](int out_fd) {
        if (!drop_root()) return int(child_cannot_drop);
        SqliteStore store(options_for(path, 500));
        IngestResult r =
            store.ingest({make_notification(2)}, make_arrival(Channel::mail, "m2"), "raw");
        write_text(out_fd, std::to_string(r.new_count));
        return int(child_ok);
    });
    if (writable.status == child_cannot_drop) {
        WARN("cannot switch to an unprivileged user; read-only behaviour not tested");
        return;
    }
    REQUIRE(writable.status == child_ok);
    REQUIRE(writable.output == "1");

    SECTION("read-only database file") {
        REQUIRE(::chmod(path.c_str(), 0400) == 0);
        ChildResult r = run_child([&](int out_fd) {
            if (!drop_root()) return int(child_cannot_drop);
            return expect_fatal(
                [&] {
                    SqliteStore store(options_for(path, 500));
                    store.ingest({make_notification(3)}, make_arrival(Channel::mail, "m3"), "raw");
                },
                out_fd);
        });
        INFO(r.output);
        CHECK(r.status == child_temporary);
        CHECK(r.output.find("read-only") != std::string::npos);
        CHECK(r.output.find(path) != std::string::npos);
        REQUIRE(::chmod(path.c_str(), 0600) == 0);
        SqliteStore check(options_for(path));
        CHECK(check.counts().notifications == 2);
    }
    SECTION("a new database in a directory the user cannot write") {
        const std::string locked_dir = dir.file("locked");
        REQUIRE(::mkdir(locked_dir.c_str(), 0755) == 0);
        if (!root) REQUIRE(::chmod(locked_dir.c_str(), 0555) == 0);
        const std::string new_path = locked_dir + "/new.sqlite";
        ChildResult r = run_child([&](int out_fd) {
            if (!drop_root()) return int(child_cannot_drop);
            return expect_fatal([&] { SqliteStore store(options_for(new_path, 500)); }, out_fd);
        });
        INFO(r.output);
        CHECK(r.status == child_temporary);
        CHECK(r.output.find(new_path) != std::string::npos);
        CHECK_FALSE(fs::exists(new_path));
        ::chmod(locked_dir.c_str(), 0755);
    }
    SECTION("a database whose directory forbids creating the WAL") {
        // A database in rollback-journal mode, writable by the user, in a directory the user
        // cannot write: switching to WAL needs a new -wal file there.
        const std::string ro_dir = dir.file("rodir");
        REQUIRE(::mkdir(ro_dir.c_str(), 0755) == 0);
        const std::string plain = ro_dir + "/plain.sqlite";
        {
            sqlite3* db = nullptr;
            REQUIRE(sqlite3_open(plain.c_str(), &db) == SQLITE_OK);
            REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
            sqlite3_close(db);
        }
        if (root) {
            REQUIRE(::chown(plain.c_str(), nobody, nobody) == 0);
        } else {
            REQUIRE(::chmod(ro_dir.c_str(), 0555) == 0);
        }
        ChildResult r = run_child([&](int out_fd) {
            if (!drop_root()) return int(child_cannot_drop);
            return expect_fatal([&] { SqliteStore store(options_for(plain, 500)); }, out_fd);
        });
        INFO(r.output);
        CHECK(r.status == child_temporary);
        CHECK(r.output.find(plain) != std::string::npos);
        ::chmod(ro_dir.c_str(), 0755);
    }
}

TEST_CASE("store: running out of file space fails temporarily and writes nothing", "[store]") {
    TempDir dir;
    const std::string path = dir.file("full.sqlite");
    { SqliteStore create(options_for(path)); }
    ChildResult r = run_child([&](int out_fd) {
        ::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit {};
        limit.rlim_cur = limit.rlim_max = 256 * 1024;  // no file may grow beyond 256 KiB
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 1;
        return expect_fatal(
            [&] {
                SqliteStore store(options_for(path));
                store.ingest({make_notification(1)}, make_arrival(Channel::mail, "big"),
                             std::string(1024 * 1024, 'z'));
            },
            out_fd);
    });
    INFO(r.output);
    CHECK(r.status == child_temporary);
    CHECK(r.output.find(path) != std::string::npos);
    SqliteStore store(options_for(path));
    CHECK(store.counts().notifications == 0);
    CHECK(store.counts().receipts == 0);
    CHECK(store.ingest({make_notification(1)}, make_arrival(Channel::mail, "small"), "ok")
              .new_count == 1);
}

TEST_CASE("store: outbox claims, leases, completion, failure and retry", "[store]") {
    TempDir dir;
    SqliteStore store(options_for(dir.file("c.sqlite")));
    store.set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
    for (int i = 1; i <= 5; ++i) {
        store.ingest({make_notification(i)}, make_arrival(Channel::mail, "m"), "raw");
    }
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;  // every row is due

    std::vector<OutboxEntry> a = store.claim_outbox("A", 60, 3, now);
    std::vector<OutboxEntry> b = store.claim_outbox("B", 60, 10, now);
    REQUIRE(a.size() == 3);
    REQUIRE(b.size() == 2);
    std::set<std::int64_t> ids;
    for (const auto& e : a) ids.insert(e.rowid);
    for (const auto& e : b) ids.insert(e.rowid);
    CHECK(ids.size() == 5);                                     // disjoint and complete
    CHECK(store.claim_outbox("B", 60, 10, now).empty());        // all leased
    CHECK(store.claim_outbox("B", 60, 0, now + 1000).empty());  // a zero limit claims nothing
    for (const auto& e : a) {
        CHECK(e.attempts == 1);
        CHECK(e.lease_owner == std::optional<std::string>("A"));
        CHECK(e.lease_until == std::optional<std::int64_t>(now + 60));
        auto stored = store.find_notification(e.key);
        REQUIRE(stored);
        CHECK(e.record_json == stored->record_json);
    }

    CHECK_FALSE(store.complete_outbox(a[0].rowid, "B"));  // not B's
    CHECK(store.complete_outbox(a[0].rowid, "A"));
    CHECK_FALSE(store.complete_outbox(a[0].rowid, "A"));  // already done
    CHECK(store.counts().outbox_done == 1);

    // A's lease runs out: B may take over A's unfinished rows, A can no longer finish them.
    std::vector<OutboxEntry> taken = store.claim_outbox("B", 60, 10, now + 61);
    REQUIRE(taken.size() == 4);  // A's two unfinished rows and B's own two, all expired
    for (const auto& e : taken) {
        CHECK(e.attempts == 2);
        CHECK(e.rowid != a[0].rowid);
    }
    CHECK_FALSE(store.complete_outbox(a[1].rowid, "A"));
    CHECK_FALSE(store.fail_outbox(a[1].rowid, "A", "late", now + 100, false));

    // Failure: retried later, not before its time; or dead.
    CHECK(store.fail_outbox(a[1].rowid, "B", "connection refused", now + 1000, false));
    CHECK(store.fail_outbox(a[2].rowid, "B", "exit status 1", 0, true));
    CHECK(store.complete_outbox(b[0].rowid, "B"));
    CHECK(store.complete_outbox(b[1].rowid, "B"));
    CHECK(store.claim_outbox("C", 60, 10, now + 500).empty());
    std::vector<OutboxEntry> later = store.claim_outbox("C", 60, 10, now + 1000);
    REQUIRE(later.size() == 1);
    CHECK(later[0].rowid == a[1].rowid);
    CHECK(later[0].attempts == 3);

    std::vector<OutboxEntry> dead = store.list_outbox(OutboxState::dead);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].rowid == a[2].rowid);
    CHECK(dead[0].last_error == std::optional<std::string>("exit status 1"));
    CHECK_FALSE(dead[0].lease_owner);
    CHECK(store.list_outbox(OutboxState::done).size() == 3);
    for (const auto& e : store.list_outbox(OutboxState::done)) CHECK(e.done_at);

    CHECK(store.retry_dead() == 1);
    CHECK(store.counts().outbox_dead == 0);
    std::vector<OutboxEntry> revived = store.claim_outbox("D", 60, 10, now + 1030);
    REQUIRE(revived.size() == 1);
    CHECK(revived[0].rowid == a[2].rowid);
    CHECK(revived[0].attempts == 1);
}

TEST_CASE("store: concurrent claimers in several processes never share a row", "[store]") {
    TempDir dir;
    const std::string path = dir.file("cc.sqlite");
    const int rows = 200;
    {
        SqliteStore store(options_for(path));
        store.set_outbox_router([](const Notification&) { return std::vector<std::string>{"h"}; });
        Store::Batch batch(store);
        for (int i = 0; i < rows; ++i) {
            store.ingest({make_notification(i)}, make_arrival(Channel::file, "f"), "raw");
        }
        batch.commit();
    }
    const std::int64_t now = std::int64_t(std::time(nullptr)) + 10;
    std::vector<std::pair<pid_t, int>> children;
    for (int c = 0; c < 4; ++c) {
        int fd = -1;
        pid_t pid = start_child(
            [&, c](int out_fd) {
                SqliteStore store(options_for(path));
                const std::string owner = "owner-" + std::to_string(c);
                for (;;) {
                    std::vector<OutboxEntry> got = store.claim_outbox(owner, 600, 3, now);
                    if (got.empty()) break;
                    for (const auto& e : got) {
                        write_text(out_fd, std::to_string(e.rowid) + "\n");
                        if (!store.complete_outbox(e.rowid, owner)) return 3;
                    }
                }
                return 0;
            },
            fd);
        children.emplace_back(pid, fd);
    }
    std::vector<std::int64_t> claimed;
    for (auto& [pid, fd] : children) {
        ChildResult r = finish_child(pid, fd);
        CHECK(r.status == 0);
        std::size_t pos = 0;
        while (pos < r.output.size()) {
            std::size_t end = r.output.find('\n', pos);
            claimed.push_back(std::stoll(r.output.substr(pos, end - pos)));
            pos = end + 1;
        }
    }
    std::set<std::int64_t> unique(claimed.begin(), claimed.end());
    CHECK(claimed.size() == std::size_t(rows));
    CHECK(unique.size() == std::size_t(rows));
    SqliteStore store(options_for(path));
    CHECK(store.counts().outbox_done == rows);
    CHECK(store.counts().outbox_pending == 0);
}

TEST_CASE("store: eight processes ingesting at once store each key exactly once", "[store]") {
    TempDir dir;
    const std::string path = dir.file("p.sqlite");
    const int processes = 8, per_process = 250, shared = 25;  // 10% of each child's keys shared
    { SqliteStore create(options_for(path)); }
    std::vector<std::pair<pid_t, int>> children;
    for (int c = 0; c < processes; ++c) {
        int fd = -1;
        pid_t pid = start_child(
            [&, c](int out_fd) {
                auto router = [](const Notification&) { return std::vector<std::string>{"h"}; };
                int new_count = 0;
                std::unique_ptr<Store> store;
                for (int j = 0; j < per_process; ++j) {
                    // Even children open the store for every arrival, like the mail filter;
                    // odd ones keep one connection, like the push receiver.
                    if (!store || c % 2 == 0) {
                        store.reset();
                        // A long busy timeout: the test is about exactly-once, not about waiting
                        // times, and a loaded machine can make a writer wait for seconds.
                        store = std::make_unique<SqliteStore>(options_for(path, 120000));
                        store->set_outbox_router(router);
                    }
                    std::int64_t id = j < shared ? 900000 + j : (c + 1) * 1000 + j;
                    const std::string raw = std::to_string(c) + "/" + std::to_string(j);
                    new_count += store
                                     ->ingest({make_notification(id)},
                                              make_arrival(Channel::mail, raw, raw), raw)
                                     .new_count;
                }
                write_text(out_fd, std::to_string(new_count));
                return 0;
            },
            fd);
        children.emplace_back(pid, fd);
    }
    int total_new = 0;
    for (auto& [pid, fd] : children) {
        ChildResult r = finish_child(pid, fd);
        INFO(r.output);
        REQUIRE(r.status == 0);
        total_new += std::stoi(r.output);
    }
    const int expected_keys = processes * (per_process - shared) + shared;
    CHECK(total_new == expected_keys);  // every key was new for exactly one process
    SqliteStore store(options_for(path));
    StoreCounts c = store.counts();
    CHECK(c.notifications == expected_keys);
    CHECK(c.receipts == processes * per_process);
    CHECK(c.outbox_pending == expected_keys);
    for (int j = 0; j < shared; ++j) {
        CHECK(store.receipts_for("id:" + std::to_string(900000 + j)).size() ==
              std::size_t(processes));
    }
}

TEST_CASE("store: processes creating the same new database at once all succeed", "[store]") {
    TempDir dir;
    for (int round = 0; round < 5; ++round) {
        const std::string path = dir.file("fresh" + std::to_string(round) + ".sqlite");
        std::vector<std::pair<pid_t, int>> children;
        for (int c = 0; c < 8; ++c) {
            int fd = -1;
            pid_t pid = start_child(
                [&, c](int) {
                    SqliteStore store(options_for(path));
                    return store.ingest({make_notification(c)}, make_arrival(Channel::mail, "m"),
                                        "raw")
                                       .new_count == 1
                               ? 0
                               : 1;
                },
                fd);
            children.emplace_back(pid, fd);
        }
        for (auto& [pid, fd] : children) {
            ChildResult r = finish_child(pid, fd);
            INFO(r.output);
            CHECK(r.status == 0);
        }
        SqliteStore store(options_for(path));
        CHECK(store.schema_version() == sqlite_latest_version());
        CHECK(store.counts().notifications == 8);
    }
}
