// Handlers: config parsing and its errors, routing, backoff, the store's claim filter, and
// the dispatcher with real exec and jsonl handlers over a real SQLite file.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "handlers/config.hpp"
#include "handlers/dispatch.hpp"
#include "handlers/router.hpp"
#include "parse/record_json.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

using namespace autodns;

namespace {

using Sections = std::map<std::string, std::vector<std::string>>;

// The FatalError message load_handlers() throws for `sections`.
std::string config_error(const Sections& sections) {
    try {
        load_handlers(sections, "/etc/autodns-notify/config.ini");
    } catch (const FatalError& e) {
        CHECK_FALSE(e.temporary());
        return e.what();
    }
    FAIL("no error for a bad handler section");
    return "";
}

Notification make_record(std::int64_t id, const std::string& kind, const std::string& type,
                         const std::string& status_type, const std::string& code) {
    Notification n;
    n.id = id;
    n.kind = kind;
    n.type = type;
    n.status.type = status_type;
    n.status.code = code;
    n.object = {std::string("domain"), "d" + std::to_string(id) + ".example"};
    assign_key(n);
    return n;
}

// A fresh SQLite store in `dir`, without durable commits (nothing here survives a crash).
std::unique_ptr<Store> open_scratch_store(const TempDir& dir) {
    StoreOptions options;
    options.location = dir / "db.sqlite";
    options.durable_ack = false;
    return open_store(options);
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("handlers: a full configuration reads", "[handlers]") {
    const Sections sections = {
        {"handler.transfers.kind", {"exec"}},
        {"handler.transfers.command", {"/usr/local/bin/on-transfer --tag 'ops log'"}},
        {"handler.transfers.types", {"transfer_* domain_away", "zone_deleted"}},
        {"handler.transfers.timeout", {"5"}},
        {"handler.archive.kind", {"jsonl"}},
        {"handler.archive.path", {"/var/lib/autodns-notify/records.jsonl"}},
        {"handler.errors.kind", {"http"}},
        {"handler.errors.url", {"http://127.0.0.1:8080/autodns"}},
        {"handler.errors.statuses", {"error, E*"}},
        {"handler.errors.kinds", {"job"}},
        {"handler.errors.header", {"Authorization: Bearer abc", "X-Team: ops"}},
        {"handler.errors.max-attempts", {"4"}},
        {"handler.errors.backoff", {"10"}},
        {"handler.errors.backoff-max", {"60"}},
        {"dispatch.interval", {"15"}},
        {"dispatch.mail-deadline", {"2.5"}},
        {"mail.allow-from", {"autodns.example"}},  // other rooms' keys are not ours
        {"serve.listen", {"127.0.0.1:8443"}},
    };
    const Handlers h = load_handlers(sections, "test.ini");
    REQUIRE(h.names() == std::vector<std::string>{"archive", "errors", "transfers"});
    const HandlerSpec& t = *h.find("transfers");
    CHECK(t.kind == HandlerKind::exec);
    CHECK(t.argv == std::vector<std::string>{"/usr/local/bin/on-transfer", "--tag", "ops log"});
    CHECK(t.selector.types ==
          std::vector<std::string>{"transfer_*", "domain_away", "zone_deleted"});
    CHECK(t.timeout_seconds == 5);
    CHECK(t.max_attempts == 10);
    const HandlerSpec& a = *h.find("archive");
    CHECK(a.kind == HandlerKind::jsonl);
    CHECK(a.path == "/var/lib/autodns-notify/records.jsonl");
    const HandlerSpec& e = *h.find("errors");
    CHECK(e.kind == HandlerKind::http);
    CHECK(e.timeout_seconds == 10);
    CHECK(e.selector.statuses == std::vector<std::string>{"error", "E*"});
    CHECK(e.headers.size() == 2);
    CHECK(e.headers[0] == std::make_pair(std::string("Authorization"), std::string("Bearer abc")));
    CHECK(e.max_attempts == 4);
    CHECK(e.backoff_seconds == 10);
    CHECK(e.backoff_max_seconds == 60);
    CHECK(h.settings.interval_seconds == 15);
    CHECK(h.settings.mail_deadline == 2.5);
    // Default lease: the longest worst case (http: 3 x 10 s) plus a minute.
    CHECK(h.lease_seconds() == 30 + 60);

    CHECK(load_handlers({}, "").empty());
}

TEST_CASE("handlers: a bad section is an error naming the file, section and key", "[handlers]") {
    using Catch::Matchers::Contains;
    const std::string file = "config file /etc/autodns-notify/config.ini: ";
    CHECK_THAT(config_error({{"handler.x.command", {"/bin/true"}}}),
               Contains(file + "[handler.x]: missing 'kind'"));
    CHECK_THAT(config_error({{"handler.x.kind", {"smtp"}}}),
               Contains("[handler.x] kind: unknown kind 'smtp' (exec, jsonl or http)"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}}, {"handler.x.comand", {"/bin/true"}}}),
               Contains("[handler.x] comand: unknown key"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.url", {"http://h/"}}}),
               Contains("[handler.x] url: not an option of kind exec"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}}}),
               Contains("[handler.x]: missing 'command' (required for kind exec)"));
    CHECK_THAT(config_error({{"handler.x.kind", {"jsonl"}}}),
               Contains("[handler.x]: missing 'path'"));
    CHECK_THAT(config_error({{"handler.x.kind", {"http"}}}),
               Contains("[handler.x]: missing 'url'"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}}, {"handler.x.command", {"a 'b"}}}),
               Contains("[handler.x] command: unterminated single quote"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}}, {"handler.x.command", {"bin/run"}}}),
               Contains("[handler.x] command: 'bin/run': give the program as an absolute path"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.timeout", {"10s"}}}),
               Contains("[handler.x] timeout: '10s' is not a number of seconds (1-3600)"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.max-attempts", {"0"}}}),
               Contains("[handler.x] max-attempts: '0'"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.timeout", {"5", "6"}}}),
               Contains("[handler.x] timeout: given 2 times"));
    CHECK_THAT(config_error({{"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.backoff", {"100"}},
                             {"handler.x.backoff-max", {"50"}}}),
               Contains("[handler.x] backoff-max: is less than backoff (100)"));
    CHECK_THAT(config_error({{"handler.x.kind", {"jsonl"}}, {"handler.x.path", {"out.jsonl"}}}),
               Contains("[handler.x] path: 'out.jsonl' is not an absolute path"));
    CHECK_THAT(config_error({{"handler.x.kind", {"http"}}, {"handler.x.url", {"https://h/"}}}),
               Contains("[handler.x] url: 'https://h/': https is not supported"));
    CHECK_THAT(config_error({{"handler.x.kind", {"http"}}, {"handler.x.url", {"ftp://h/"}}}),
               Contains("[handler.x] url: 'ftp://h/' is not an http:// URL"));
    CHECK_THAT(config_error({{"handler.x.kind", {"http"}},
                             {"handler.x.url", {"http://h/"}},
                             {"handler.x.header", {"no colon"}}}),
               Contains("[handler.x] header: 'no colon' is not 'Name: value'"));
    CHECK_THAT(config_error({{"handler.kind", {"exec"}}}),
               Contains("[handler] kind: handler sections need a name: [handler.NAME]"));
    CHECK_THAT(config_error({{"handler.a b.kind", {"exec"}}}),
               Contains("[handler.a b]: a handler name may hold only"));
    CHECK_THAT(config_error({{"dispatch.leese", {"10"}}}),
               Contains("[dispatch] leese: unknown key"));
    CHECK_THAT(config_error({{"dispatch.lease", {"20"}},
                             {"handler.x.kind", {"exec"}},
                             {"handler.x.command", {"/bin/true"}},
                             {"handler.x.timeout", {"30"}}}),
               Contains("[dispatch] lease: 20 s is not longer than the worst-case delivery time "
                        "of handler x (32 s)"));
}

TEST_CASE("handlers: records are routed by kind, type and status globs", "[handlers]") {
    const Sections sections = {
        {"handler.all.kind", {"jsonl"}},
        {"handler.all.path", {"/tmp/all.jsonl"}},
        {"handler.transfers.kind", {"exec"}},
        {"handler.transfers.command", {"/bin/true"}},
        {"handler.transfers.kinds", {"notify"}},
        {"handler.transfers.types", {"transfer_* domain_away"}},
        {"handler.failures.kind", {"exec"}},
        {"handler.failures.command", {"/bin/true"}},
        {"handler.failures.statuses", {"error E01*"}},
        {"handler.failed-creates.kind", {"exec"}},
        {"handler.failed-creates.command", {"/bin/true"}},
        {"handler.failed-creates.kinds", {"job"}},
        {"handler.failed-creates.types", {"DomainCreate"}},
        {"handler.failed-creates.statuses", {"error"}},
    };
    const Handlers h = load_handlers(sections, "");
    using V = std::vector<std::string>;
    CHECK(route(h, make_record(1, "notify", "transfer_start", "notify", "N0101")) ==
          V{"all", "transfers"});
    CHECK(route(h, make_record(2, "notify", "domain_away", "notify", "N0102")) ==
          V{"all", "transfers"});
    CHECK(route(h, make_record(3, "notify", "autoupdate_dns_success", "success", "S0102")) ==
          V{"all"});
    CHECK(route(h, make_record(4, "job", "DomainCreate", "error", "E0101")) ==
          V{"all", "failed-creates", "failures"});
    CHECK(route(h, make_record(5, "job", "DomainUpdate", "failed", "E0102")) ==
          V{"all", "failures"});  // matched by the status code glob
    CHECK(route(h, make_record(6, "job", "DomainCreate", "success", "S0101")) == V{"all"});
    // A record without a type or status matches only handlers that do not ask for one.
    Notification bare;
    bare.kind = "notify";
    bare.key = "sha256:00";
    CHECK(route(h, bare) == V{"all"});
}

TEST_CASE("handlers: backoff doubles per attempt up to the cap, with at most 10 % jitter",
          "[handlers]") {
    HandlerSpec spec;
    spec.backoff_seconds = 30;
    spec.backoff_max_seconds = 3600;
    std::vector<std::int64_t> schedule;
    for (int attempt = 1; attempt <= 10; ++attempt) {
        schedule.push_back(base_delay_seconds(spec, attempt));
    }
    CHECK(schedule ==
          std::vector<std::int64_t>{30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600});
    CHECK(base_delay_seconds(spec, 1000) == 3600);  // no overflow for absurd attempt counts

    std::mt19937_64 random(42);
    std::set<std::int64_t> seen;
    for (int i = 0; i < 200; ++i) {
        const std::int64_t d = retry_delay_seconds(spec, 3, random);
        CHECK(d >= 120);
        CHECK(d <= 132);
        seen.insert(d);
    }
    CHECK(seen.size() > 1);  // jitter spreads retries of rows that failed together
    spec.backoff_seconds = 1;
    spec.backoff_max_seconds = 1;
    CHECK(retry_delay_seconds(spec, 1, random) >= 1);
}

TEST_CASE("handlers: claims can be restricted to handlers and keys", "[handlers][store]") {
    TempDir dir;
    auto owned = open_scratch_store(dir);
    Store& store = *owned;
    store.set_outbox_router([](const Notification&) { return std::vector<std::string>{"a", "b"}; });
    Arrival arrival;
    store.ingest({make_record(1, "notify", "transfer_start", "notify", "N1")}, arrival, "1");
    store.ingest({make_record(2, "notify", "transfer_start", "notify", "N1")}, arrival, "2");
    const std::int64_t now = 2000000000;

    Store::ClaimFilter only_b;
    only_b.handlers = {"b"};
    auto rows = store.claim_outbox("o1", 60, 10, now, only_b);
    REQUIRE(rows.size() == 2);
    for (const OutboxEntry& e : rows) CHECK(e.handler == "b");

    Store::ClaimFilter only_key2;
    only_key2.keys = {"id:2"};
    rows = store.claim_outbox("o2", 60, 10, now, only_key2);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].handler == "a");
    CHECK(rows[0].key == "id:2");
    CHECK(rows[0].attempts == 1);

    // The unrestricted claim gets what is left, and rows of unknown names are never touched.
    Store::ClaimFilter nobody;
    nobody.handlers = {"zzz"};
    CHECK(store.claim_outbox("o3", 60, 10, now, nobody).empty());
    rows = store.claim_outbox("o3", 60, 10, now);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].key == "id:1");
    CHECK(rows[0].handler == "a");
}

TEST_CASE("handlers: the dispatcher delivers, retries and dead-letters", "[handlers][store]") {
    TempDir dir;
    const std::string out = dir / "records.jsonl";
    const std::string marker = dir / "ran";
    const Sections sections = {
        {"handler.archive.kind", {"jsonl"}},
        {"handler.archive.path", {out}},
        {"handler.broken.kind", {"exec"}},
        {"handler.broken.command", {"/bin/sh -c 'cat >> " + marker + "; echo nope >&2; exit 3'"}},
        {"handler.broken.max-attempts", {"2"}},
        {"handler.broken.backoff", {"1"}},
        {"handler.broken.types", {"transfer_*"}},
    };
    const Handlers handlers = load_handlers(sections, "");
    auto owned = open_scratch_store(dir);
    Store& store = *owned;
    store.set_outbox_router(make_outbox_router(handlers));
    Arrival arrival;
    const Notification transfer = make_record(10, "notify", "transfer_start", "notify", "N1");
    const Notification other = make_record(11, "notify", "zone_deleted", "notify", "N1");
    store.ingest({transfer, other}, arrival, "raw");
    store.ingest({transfer}, arrival, "raw again");  // a duplicate: no new rows

    std::vector<std::string> log;
    DispatchOptions opts;
    opts.log = [&](const std::string& line) { log.push_back(line); };
    DispatchSummary s = dispatch_due(store, handlers, opts);
    CHECK(s.delivered == 2);  // both records to the archive
    CHECK(s.failed == 1);     // the transfer to the broken handler, retried later
    CHECK(s.dead == 0);
    const auto lines = read_lines(out);
    REQUIRE(lines.size() == 2);
    std::set<std::string> keys;
    for (const std::string& l : lines) keys.insert(record_from_json(l).key);
    CHECK(keys == std::set<std::string>{"id:10", "id:11"});
    struct stat st {};
    REQUIRE(stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // The exec handler got the record on stdin; its stderr is in the log and in last_error.
    CHECK(record_from_json(read_lines(marker).at(0)).key == "id:10");
    REQUIRE(log.size() == 1);
    CHECK_THAT(log[0], Catch::Matchers::Contains("handler broken: id:10: attempt 1 of 2 failed: "
                                                 "exit status 3: nope; retry in"));
    auto pending = store.list_outbox(OutboxState::pending);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].last_error.value_or("") == "exit status 3: nope");

    // Not due yet: a second run right away does nothing; once due, the last attempt dies.
    s = dispatch_due(store, handlers, opts);
    CHECK(s.delivered + s.failed + s.dead == 0);
    const std::int64_t later = pending[0].next_attempt_at + 1;
    auto rows = store.claim_outbox("test", 60, 10, later);
    REQUIRE(rows.size() == 1);
    CHECK(store.fail_outbox(rows[0].rowid, "test", "simulated", later - 1000, false));
    s = dispatch_due(store, handlers, opts);
    CHECK(s.dead == 1);
    CHECK(store.list_outbox(OutboxState::dead).size() == 1);
    CHECK_THAT(log.back(), Catch::Matchers::Contains("dead-lettered"));
    CHECK(store.retry_dead() == 1);
    CHECK(store.counts().outbox_pending == 1);
    CHECK(store.counts().outbox_done == 2);
}

TEST_CASE("handlers: an exec handler past its timeout is killed with its process group",
          "[handlers]") {
    TempDir dir;
    const std::string pid_file = dir / "child.pid";
    HandlerSpec spec;
    spec.name = "slow";
    spec.kind = HandlerKind::exec;
    spec.timeout_seconds = 1;
    // The shell starts a grandchild that would outlive the handler if only the shell died.
    spec.argv = {"/bin/sh", "-c", "sleep 30 & echo $! > " + pid_file + "; wait"};
    auto handler = make_handler(spec);
    const Notification n = make_record(1, "notify", "transfer_start", "notify", "N1");
    const std::string json = record_to_json(n);
    const Delivery d{n.key, json, n, 1};
    const DeliveryResult r =
        handler->deliver(d, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    CHECK_FALSE(r);
    CHECK_THAT(r.error(), Catch::Matchers::Contains("timed out after"));
    std::ifstream in(pid_file);
    long pid = 0;
    in >> pid;
    REQUIRE(pid > 0);
    // kill(pid, 0) fails once the grandchild is gone (it may briefly be a zombie of init).
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
        std::string skip, state;
        gone = !(stat_file >> skip >> skip >> state) || state == "Z";
        if (!gone) usleep(10000);
    }
    CHECK(gone);

    spec.argv = {"/nonexistent/program"};
    const DeliveryResult missing =
        make_handler(spec)->deliver(d, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    CHECK_FALSE(missing);
    CHECK_THAT(missing.error(), Catch::Matchers::Contains("cannot run /nonexistent/program"));
}

TEST_CASE("handlers: replay queues stored records for a handler added later, once each",
          "[handlers][store]") {
    TempDir dir;
    auto owned = open_scratch_store(dir);
    Store& store = *owned;
    // Stored before any handler existed: no outbox rows.
    const char* days[] = {"2024-03-01T10:00:00Z", "2024-03-02T10:00:00Z", "2024-03-03T10:00:00Z"};
    for (int i = 0; i < 7; ++i) {
        Arrival arrival;
        arrival.received_at = days[i % 3];
        const char* type = i % 2 == 0 ? "transfer_start" : "zone_deleted";
        store.ingest({make_record(100 + i, "notify", type, "notify", "N1")}, arrival,
                     std::to_string(i));
    }
    REQUIRE(store.counts().outbox_pending == 0);
    const Handlers handlers = load_handlers({{"handler.late.kind", {"jsonl"}},
                                             {"handler.late.path", {dir / "late.jsonl"}},
                                             {"handler.late.types", {"transfer_*"}}},
                                            "");
    const HandlerSpec& late = *handlers.find("late");

    // A window by first arrival: only 2024-03-02 (ids 101 and 104; of them only 104 is a
    // transfer).
    int pages = 0;
    ReplaySummary s = replay_stored(store, late, {"2024-03-02T00:00:00Z", "2024-03-03T00:00:00Z"},
                                    [&](const ReplaySummary&) { ++pages; });
    CHECK(s.stored == 2);
    CHECK(s.wanted == 1);
    CHECK(s.added == 1);
    CHECK(pages == 1);

    // Everything, in pages of two records: the four transfers (100, 102, 104, 106), of which
    // 104 has its row already.
    pages = 0;
    s = replay_stored(
        store, late, {"2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"},
        [&](const ReplaySummary&) { ++pages; }, 2);
    CHECK(s.stored == 7);
    CHECK(s.wanted == 4);
    CHECK(s.added == 3);
    CHECK(pages == 4);
    std::vector<OutboxEntry> rows = store.list_outbox(OutboxState::pending);
    std::set<std::string> keys;
    for (const OutboxEntry& e : rows) {
        CHECK(e.handler == "late");
        keys.insert(e.key);
    }
    CHECK(keys == std::set<std::string>{"id:100", "id:102", "id:104", "id:106"});
    CHECK(rows.size() == 4);

    // Delivered, then replayed again: nothing is queued twice, nothing delivered twice.
    const DispatchSummary delivered =
        dispatch_due(store, handlers, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    CHECK(delivered.delivered == 4);
    s = replay_stored(store, late, {"2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"});
    CHECK(s.wanted == 4);
    CHECK(s.added == 0);
    CHECK(store.counts().outbox_pending == 0);
    CHECK(read_lines(dir / "late.jsonl").size() == 4);
}
