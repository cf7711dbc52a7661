// autodns-notify import PATH... : batch import of Maildir folders, Maildir++ trees, mbox files
// and message files.
//
// Mails are taken in chunks. Worker threads read each file, fingerprint it, skip it when its
// exact bytes were recorded before (so a second run over the same archive parses nothing;
// each worker asks the database through a read-only connection of its own), analyse it and
// serialize its records; the main thread lists the files (and reads mbox files, which are
// sequential) and records each analysed chunk in one transaction while the workers are busy
// with the next. A kill at any point loses nothing: committed chunks stay, the rest is
// imported by the next run. Files are moved new/ -> cur/ (--mark-seen) only after their chunk
// is committed.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "core/errors.hpp"
#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "mail/mailbox.hpp"
#include "util/io.hpp"
#include "util/progress.hpp"

namespace autodns {
namespace {

struct Item {
    std::string locator;
    std::string path;  // file to mark seen, when in_new
    bool in_new = false;
    bool to_read = false;    // raw is still to be read from `path` (by a worker)
    std::size_t size = 0;    // bytes: the file's size when listed, or the mbox message's
    std::string read_error;  // why the file could not be read (then nothing else is done)
    std::string raw;
    std::string sha;
    bool skip = false;  // already recorded by an earlier run
    Analysis analysis;
    std::exception_ptr failure;  // what a worker could not do (a database error)
};

struct Totals {
    std::uint64_t mails = 0, notifications = 0, fresh = 0, duplicate = 0, quarantined = 0,
                  skipped = 0, errors = 0;
};

constexpr std::size_t chunk_mails = 512;
constexpr std::size_t chunk_bytes = 8u * 1024 * 1024;

// Feeds the chunk loop from the archive entries, one mail at a time.
class MailFeed {
  public:
    MailFeed(const std::vector<ArchiveEntry>& entries, std::function<void(const std::string&)> warn)
        : entries_(entries), warn_(std::move(warn)) {}

    // Fills `item`: locator, path, size, and the raw bytes of an mbox message or `to_read` for
    // a file; false at the end.
    bool next(Item& item) {
        for (;;) {
            if (mbox_) {
                std::uint64_t index = 0, offset = 0;
                if (mbox_->next(item.raw, index, offset)) {
                    item.size = item.raw.size();
                    item.locator =
                        mbox_path_ + "#" + std::to_string(index) + "@" + std::to_string(offset);
                    item.path.clear();
                    item.in_new = false;
                    return true;
                }
                mbox_.reset();
            }
            if (position_ >= entries_.size()) return false;
            const ArchiveEntry& e = entries_[position_++];
            if (e.kind == ArchiveEntry::Kind::mbox) {
                mbox_ = std::make_unique<MboxReader>(e.path);
                mbox_path_ = "mbox:" + e.path;
                if (!mbox_->ok()) {
                    warn_(e.path + ": cannot read: " + mbox_->error());
                    ++errors;
                    mbox_.reset();
                }
                continue;
            }
            struct stat st {};
            item.size = ::stat(e.path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
            item.to_read = true;
            item.locator = e.path;
            item.path = e.path;
            item.in_new = e.in_new;
            return true;
        }
    }

    std::uint64_t errors = 0;

  private:
    const std::vector<ArchiveEntry>& entries_;
    std::function<void(const std::string&)> warn_;
    std::size_t position_ = 0;
    std::unique_ptr<MboxReader> mbox_;
    std::string mbox_path_;
};

// A worker's whole part for one mail: read, fingerprint, skip when seen, analyse, serialize.
void analyse_one(Item& item, const Config& config, Store& seen) {
    if (item.to_read) {
        std::optional<std::string> raw = read_file(item.path, &item.read_error, item.size);
        if (!raw) return;
        item.raw = std::move(*raw);
    }
    item.sha = sha256_hex(item.raw);
    item.skip = seen.seen_raw(item.sha);
    if (item.skip) {
        std::string().swap(item.raw);
        return;
    }
    if (item.raw.size() > config.max_input_bytes) {
        item.analysis.verdict = Verdict::malformed;
        item.analysis.reason = "mail too large (" + std::to_string(item.raw.size()) +
                               " bytes, limit " + std::to_string(config.max_input_bytes) + ")";
        return;
    }
    item.analysis =
        analyze_mail(item.raw, config.mail_policy, config.mime_limits, config.parse_limits);
    prepare_records(item.analysis);
}

// Background threads that work on one chunk (analyse_one) while the main thread records the
// previous one and lists the next; the main thread then joins in on what is left
// (help_and_wait).
class AnalysisPool {
  public:
    // `main_store` serves the main thread's lookups when it helps; each background thread
    // opens a read-only connection of its own.
    AnalysisPool(unsigned threads, const Config& config, Store& main_store,
                 const StoreOptions& store_options)
        : config_(config), main_store_(main_store) {
        StoreOptions reader = store_options;
        reader.read_only = true;
        for (unsigned t = 0; t < threads; ++t) {
            readers_.push_back(open_store(reader));
            Store* store = readers_.back().get();
            threads_.emplace_back([this, store] { run(*store); });
        }
    }
    ~AnalysisPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_) t.join();
    }

    void start(std::vector<Item>& items) {
        std::lock_guard<std::mutex> lock(mutex_);
        items_ = &items;
        next_ = 0;
        completed_ = 0;
        ++generation_;
        wake_.notify_all();
    }

    void help_and_wait() {
        work(main_store_, generation_);  // generation_ is only written by this thread
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return completed_ == items_->size(); });
        items_ = nullptr;  // the caller may now change the items: no thread looks at them again
    }

  private:
    // Analyses items of `generation` until none is left to claim. An item is claimed under the
    // mutex, together with the check that its chunk is still the current one, so a thread that
    // wakes late never takes an index of the next chunk for the previous chunk's items (start()
    // only runs once every item of a chunk has been completed).
    void work(Store& seen, std::uint64_t generation) {
        for (;;) {
            std::vector<Item>* items = nullptr;
            std::size_t i = 0;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (generation_ != generation || items_ == nullptr || next_ >= items_->size()) {
                    return;
                }
                items = items_;
                i = next_++;
            }
            try {
                analyse_one((*items)[i], config_, seen);
            } catch (...) {
                // A database error in the lookup: recorded with the item, rethrown by the main
                // thread, which owns the error handling (exit status 75 and friends).
                (*items)[i].failure = std::current_exception();
            }
            std::lock_guard<std::mutex> lock(mutex_);
            if (++completed_ == items->size()) done_.notify_all();
        }
    }

    void run(Store& store) {
        std::uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
            }
            // Each lookup is its own short read transaction. (One snapshot per chunk saved a
            // few system calls, but a reader that stays on an old snapshot keeps the commit's
            // checkpoint from truncating the WAL, which then grew past 250 MB in a long run.)
            work(store, seen);
        }
    }

    const Config& config_;
    Store& main_store_;
    std::vector<std::unique_ptr<Store>> readers_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<Item>* items_ = nullptr;
    std::size_t next_ = 0;
    std::size_t completed_ = 0;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
};

}  // namespace

int cmd_import(const Args& args) {
    po::options_description visible;
    visible.add(common_options()).add(mail_options());
    po::options_description own("Import options");
    own.add_options()("mark-seen",
                      "after the commit, move imported files from a Maildir's new/ to cur/ "
                      "with the Seen flag (the archive is otherwise never modified)")(
        "json", "print the summary as one JSON object instead of a line")(
        "jobs,j", po::value<unsigned>()->value_name("N"),
        "threads that parse mail (default: number of cores)")(
        "no-progress", "no progress line, even on a terminal");
    visible.add(own).add(
        AfterCommitDelivery::options("default: no limit; config: [dispatch] import-deadline"));
    po::options_description hidden;
    hidden.add_options()("path", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("path", -1);
    Config config;
    po::variables_map vm = parse_command_line(args, all, positional, config);
    use_store(config, "import", args);
    if (vm.count("help")) {
        print_help("autodns-notify import [OPTIONS] PATH...",
                   "Imports mail archives: Maildir folders (new/ and cur/, with Maildir++\n"
                   "subfolders), directory trees of message files (*.eml, *.msg), mbox files\n"
                   "(mboxrd or mboxo) and single message files. Each notification is stored once;\n"
                   "every mail is recorded as an arrival; mail without a notification is\n"
                   "quarantined with the reason. Mails already imported are recognized by their\n"
                   "bytes and skipped without parsing, so a rerun (after an interruption, say)\n"
                   "completes the work and adds nothing twice. After the import, new records go\n"
                   "to the configured handlers (docs/handlers.md; --no-dispatch leaves that to\n"
                   "'autodns-notify dispatch').\n\n"
                   "Shows progress on a terminal and ends with one summary line: mails,\n"
                   "notifications, new, duplicate, quarantined, skipped (imported before),\n"
                   "errors (unreadable), seconds.\n\n"
                   "Exit status: 0 done; 1 some paths or files could not be read (or were not\n"
                   "mail); 64 usage; "
                   "75 the database is locked, read-only or full (rerun later).",
                   visible);
        return exit_ok;
    }
    if (!vm.count("path")) throw po::error("no PATH to import");
    const AfterCommitDelivery delivery(config, vm, "import");
    const auto paths = vm["path"].as<std::vector<std::string>>();
    const bool mark = vm.count("mark-seen") > 0;
    unsigned jobs =
        vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::thread::hardware_concurrency();
    if (jobs == 0) jobs = 1;

    const auto start = std::chrono::steady_clock::now();
    auto warn = [](const std::string& m) {
        std::fprintf(stderr, "autodns-notify import: %s\n", m.c_str());
    };
    std::uint64_t listing_errors = 0;
    std::vector<ArchiveEntry> entries = list_archive(paths, [&](const std::string& m) {
        ++listing_errors;
        warn(m);
    });
    std::uint64_t known_total = 0;
    bool has_mbox = false;
    for (const ArchiveEntry& e : entries) {
        if (e.kind == ArchiveEntry::Kind::mbox)
            has_mbox = true;
        else
            ++known_total;
    }

    StoreOptions options;
    options.location = config.db_path;
    options.busy_timeout_ms = config.busy_timeout_ms;
    options.file_mode = config.db_mode;
    options.durable_ack = true;  // --mark-seen moves files after the commit
    options.workload = StoreWorkload::bulk_load;
    std::unique_ptr<Store> owned_store;
    try {
        owned_store = open_store(options);
    } catch (const FatalError& e) {
        throw FatalError(e.what() + db_access_note(options.location), e.temporary());
    }
    Store& store = *owned_store;
    delivery.attach(store);

    Progress progress("import", "mails", has_mbox ? 0 : known_total,
                      !vm.count("no-progress") && Progress::stderr_is_terminal());
    MailFeed feed(entries, warn);
    Totals totals;
    std::uint64_t read_errors = 0;

    // Lists the next chunk (up to chunk_mails mails or chunk_bytes bytes); the workers read.
    auto next_chunk = [&](std::vector<Item>& chunk) {
        chunk.clear();
        std::size_t bytes = 0;
        while (chunk.size() < chunk_mails && bytes < chunk_bytes) {
            Item item;
            if (!feed.next(item)) break;
            bytes += item.size;
            chunk.push_back(std::move(item));
        }
    };

    // Records an analysed chunk in one transaction, then (with --mark-seen) moves its files.
    auto record_chunk = [&](std::vector<Item>& chunk) {
        Store::Batch batch(store);
        {
            for (Item& item : chunk) {
                if (item.failure) std::rethrow_exception(item.failure);
                if (!item.read_error.empty()) {
                    warn(item.path + ": cannot read: " + item.read_error);
                    ++read_errors;
                    continue;
                }
                ++totals.mails;
                if (item.skip) {
                    ++totals.skipped;
                    continue;
                }
                Arrival arrival;
                arrival.channel = Channel::mail;
                arrival.locator = item.locator;
                arrival.message_id = item.analysis.headers.message_id;
                arrival.raw_sha256 = item.sha;
                IngestReport r = record_input(store, item.analysis, arrival, item.raw);
                totals.notifications += item.analysis.notifications.size();
                totals.fresh += r.new_count;
                totals.duplicate += r.duplicate_count;
                if (r.outcome == IngestOutcome::quarantined) ++totals.quarantined;
                if (config.verbosity > 0) {
                    std::fprintf(stderr, "autodns-notify import: %s: %s\n", item.locator.c_str(),
                                 r.summary.c_str());
                    for (const std::string& note : item.analysis.notes)
                        std::fprintf(stderr, "autodns-notify import: %s: note: %s\n",
                                     item.locator.c_str(), note.c_str());
                }
            }
            batch.commit();
        }
        if (mark) {
            for (const Item& item : chunk) {
                if (!item.in_new || !item.read_error.empty()) continue;  // not imported
                if (std::string why = mark_seen(item.path); !why.empty()) {
                    warn(item.path + ": " + why);
                }
            }
        }
        progress.update(totals.mails);
    };

    // Three chunks in flight: `analysing` is worked on by the pool while the main thread
    // records `analysed` and lists `next`, then helps with what is left of `analysing`.
    // The chunks are declared before the pool: when recording fails (a database error), the
    // pool's threads are joined before the chunk they may still be working on goes away.
    std::vector<Item> analysed, analysing, next;
    AnalysisPool pool(jobs > 1 ? jobs - 1 : 0, config, store, options);
    next_chunk(analysing);
    while (!analysing.empty()) {
        pool.start(analysing);
        if (!analysed.empty()) record_chunk(analysed);
        next_chunk(next);
        pool.help_and_wait();
        std::swap(analysed, analysing);
        std::swap(analysing, next);
    }
    if (!analysed.empty()) record_chunk(analysed);
    // Leave the store compact: with SQLite the next process to open the database (a mail
    // filter, say) would otherwise rebuild its WAL index from up to 64 MiB of WAL.
    store.finish_bulk_load();
    progress.finish();
    totals.errors = feed.errors + listing_errors + read_errors;

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char line[512];
    if (vm.count("json")) {
        std::snprintf(line, sizeof line,
                      "{\"mails\":%llu,\"notifications\":%llu,\"new\":%llu,\"duplicate\":%llu,"
                      "\"quarantined\":%llu,\"skipped\":%llu,\"errors\":%llu,\"seconds\":%.3f}",
                      (unsigned long long)totals.mails, (unsigned long long)totals.notifications,
                      (unsigned long long)totals.fresh, (unsigned long long)totals.duplicate,
                      (unsigned long long)totals.quarantined, (unsigned long long)totals.skipped,
                      (unsigned long long)totals.errors, seconds);
    } else {
        std::snprintf(line, sizeof line,
                      "import: %llu mails, %llu notifications, %llu new, %llu duplicate, "
                      "%llu quarantined, %llu skipped, %llu errors, %.2f s (%.0f mails/s)",
                      (unsigned long long)totals.mails, (unsigned long long)totals.notifications,
                      (unsigned long long)totals.fresh, (unsigned long long)totals.duplicate,
                      (unsigned long long)totals.quarantined, (unsigned long long)totals.skipped,
                      (unsigned long long)totals.errors, seconds,
                      seconds > 0 ? totals.mails / seconds : 0.0);
    }
    std::cout << line << std::endl;
    delivery.run_all();
    return totals.errors > 0 ? 1 : exit_ok;
}

}  // namespace autodns
