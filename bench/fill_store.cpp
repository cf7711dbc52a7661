// fill_store: fills a store with N realistic notifications through the Store API, for the
// report-at-scale benchmark (bench/report_scale.sh). Deterministic for a seed.
//   bench_fill_store --db LOCATION --count N [--days D] [--seed S]
//
// The mix, spread evenly over the last D days (default 365) before now:
// - 70 % notify messages (transfer, update, autorenew ...), 30 % jobs (success, error,
//   notify/running without a final status);
// - every notification has a first arrival by push (55 %), poll (15 %) or mail (30 %); a
//   share of the push/poll ones is mailed again later (the 24 h fallback, 20 %), minutes to
//   a day after; 5 % of all arrivals are repeated on the same channel (duplicates);
// - a raw payload of about 600 bytes each (AutoDNS's JSON body shape), 1 % quarantined
//   inputs.
// Rows go in batches of 2 000 notifications per transaction, as `import` writes them.
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/notification.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/store.hpp"
#include "util/time.hpp"

using namespace autodns;

namespace {

const char* const notify_types[] = {"transfer_start",   "transfer_finish", "domain_update",
                                    "autorenew",        "owner_change",    "dns_update",
                                    "outgoing_transfer"};
const char* const job_types[] = {"domain_create", "domain_update", "domain_transfer",
                                 "domain_renew",  "zone_update",   "handle_create"};
const char* const error_codes[] = {"E0101", "E0105", "E0301", "E1002", "E2001"};

std::string iso(std::int64_t t) {
    return util::format_utc_iso8601(t);
}

// A whole positive decimal number, else -1.
long long number(const char* text) {
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && n > 0 ? n : -1;
}

int usage() {
    std::fprintf(stderr, "usage: bench_fill_store --db LOCATION --count N [--days D] [--seed S]\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    std::string db;
    long long count = 0, days = 365;
    unsigned seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--db")) {
            db = argv[i + 1];
        } else if (!std::strcmp(argv[i], "--count")) {
            count = number(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--days")) {
            days = number(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--seed")) {
            seed = static_cast<unsigned>(number(argv[i + 1]));
        } else {
            return usage();
        }
    }
    if (db.empty() || count <= 0 || days <= 0 || argc % 2 == 0) return usage();
    register_postgres_backend();

    StoreOptions options;
    options.location = db;
    options.durable_ack = false;  // a benchmark fixture: the final commit is what counts
    options.workload = StoreWorkload::bulk_load;
    const auto start = std::chrono::steady_clock::now();
    try {
        std::unique_ptr<Store> store = open_store(options);
        std::mt19937_64 rng(seed);
        auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
        auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
        const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        const std::int64_t first = now - days * 86400;
        const std::string padding(420, 'x');  // the rest of a typical body
        long long done = 0;
        while (done < count) {
            Store::Batch batch(*store);
            for (int b = 0; b < 2000 && done < count; ++b, ++done) {
                Notification n;
                n.id = 1000000 + done;
                const std::int64_t created = first + (days * 86400) * done / count;
                n.created = iso(created);
                if (chance(0.7)) {
                    n.kind = "notify";
                    n.type = notify_types[pick(std::size(notify_types))];
                    n.status.type = "notify";
                } else {
                    n.kind = "job";
                    n.type = job_types[pick(std::size(job_types))];
                    n.task = "0101";
                    n.job_id = 500000 + done;
                    const double r = std::uniform_real_distribution<>(0, 1)(rng);
                    if (r < 0.08) {
                        n.status.type = "error";
                        n.status.code = error_codes[pick(std::size(error_codes))];
                        n.status.text = "the registry refused the request";
                    } else if (r < 0.1) {
                        n.status.type = "running";
                    } else {
                        n.status.type = "success";
                        n.status.code = "S0101";
                    }
                }
                n.object.type = "domain";
                n.object.value = "d" + std::to_string(done % 50000) + ".example";
                n.stid = "20261201-stid-" + std::to_string(done);
                assign_key(n);
                const std::string raw = "{\"id\": " + std::to_string(*n.id) +
                                        ", \"object\": {\"type\": \"domain\", \"value\": \"" +
                                        *n.object.value + "\"}, \"padding\": \"" + padding + "\"}";
                const double c = std::uniform_real_distribution<>(0, 1)(rng);
                const Channel channel = c < 0.55   ? Channel::push
                                        : c < 0.70 ? Channel::poll
                                                   : Channel::mail;
                Arrival a;
                a.channel = channel;
                a.locator = channel == Channel::mail
                                ? "/var/mail/autodns/new/" + std::to_string(done)
                                : "127.0.0.1";
                a.raw_sha256 = sha256_hex(raw);
                a.received_at = iso(created + 5 + static_cast<std::int64_t>(pick(120)));
                store->ingest({n}, a, raw);
                if (channel != Channel::mail && chance(0.2)) {  // mailed as the fallback
                    Arrival m = a;
                    m.channel = Channel::mail;
                    m.locator = "/var/mail/autodns/new/f" + std::to_string(done);
                    m.raw_sha256 = sha256_hex(raw + "mail");
                    m.received_at = iso(created + 600 + static_cast<std::int64_t>(pick(30 * 3600)));
                    store->ingest({n}, m, raw);
                }
                if (chance(0.05)) {  // the same channel again
                    Arrival d = a;
                    d.raw_sha256 = sha256_hex(raw + "again");
                    d.received_at = iso(created + 60 + static_cast<std::int64_t>(pick(600)));
                    store->ingest({n}, d, raw);
                }
                if (chance(0.01)) {
                    Arrival q;
                    q.channel = Channel::mail;
                    q.locator = "/var/mail/autodns/new/q" + std::to_string(done);
                    q.raw_sha256 = sha256_hex(raw + "quarantine");
                    q.received_at = a.received_at;
                    store->quarantine(q, raw.substr(0, 200), "malformed: broken JSON");
                }
            }
            batch.commit();
            if (done % 100000 == 0 || done == count) {
                std::fprintf(stderr, "fill_store: %lld notifications\n", done);
            }
        }
        store->finish_bulk_load();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fill_store: %s\n", e.what());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("fill_store: %lld notifications in %.1f s\n", count, seconds);
    return 0;
}
