#include "ingest/import_engine.hpp"

#include <sys/stat.h>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "core/notification.hpp"
#include "util/io.hpp"
#include "util/thread_pool.hpp"

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

// Feeds the chunk loop from the archive entries, one mail at a time.
class MailFeed {
  public:
    MailFeed(const std::vector<ArchiveEntry>& entries, const ImportHooks& hooks)
        : entries_(entries), hooks_(hooks) {}

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
                auto opened = MboxReader::open(e.path);
                if (!opened) {
                    if (hooks_.warn) hooks_.warn(e.path + ": cannot read: " + opened.error());
                    ++errors;
                    continue;
                }
                mbox_.emplace(std::move(*opened));
                mbox_path_ = "mbox:" + e.path;
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
    const ImportHooks& hooks_;
    std::size_t position_ = 0;
    std::optional<MboxReader> mbox_;
    std::string mbox_path_;
};

// A worker's whole part for one mail: read, fingerprint, skip when seen, analyse, serialize.
void analyse_one(Item& item, const ImportSettings& settings, Store& seen) {
    if (item.to_read) {
        util::Expected<std::string> raw = util::read_file(item.path, item.size);
        if (!raw) {
            item.read_error = raw.error();
            return;
        }
        item.raw = std::move(*raw);
    }
    item.sha = sha256_hex(item.raw);
    item.skip = seen.seen_raw(item.sha);
    if (item.skip) {
        std::string().swap(item.raw);
        return;
    }
    if (item.raw.size() > settings.max_input_bytes) {
        item.analysis.verdict = Verdict::malformed;
        item.analysis.reason = "mail too large (" + std::to_string(item.raw.size()) +
                               " bytes, limit " + std::to_string(settings.max_input_bytes) + ")";
        return;
    }
    item.analysis =
        analyze_mail(item.raw, settings.mail_policy, settings.mime_limits, settings.parse_limits);
    prepare_records(item.analysis);
}

}  // namespace

ImportSource list_import_source(const std::vector<std::string>& paths,
                                const std::function<void(const std::string&)>& warn) {
    ImportSource source;
    source.entries = list_archive(paths, [&](const std::string& m) {
        ++source.listing_errors;
        if (warn) warn(m);
    });
    for (const ArchiveEntry& e : source.entries) {
        if (e.kind == ArchiveEntry::Kind::mbox)
            source.has_mbox = true;
        else
            ++source.files;
    }
    return source;
}

ImportTotals run_import(const ImportSource& source, Store& store, const StoreOptions& store_options,
                        const ImportSettings& settings, const ImportHooks& hooks) {
    MailFeed feed(source.entries, hooks);
    ImportTotals totals;
    std::uint64_t read_errors = 0;
    const auto warn = [&hooks](const std::string& m) {
        if (hooks.warn) hooks.warn(m);
    };

    // Lists the next chunk (up to chunk_mails mails or chunk_bytes bytes); the workers read.
    auto next_chunk = [&](std::vector<Item>& chunk) {
        chunk.clear();
        std::size_t bytes = 0;
        while (chunk.size() < settings.chunk_mails && bytes < settings.chunk_bytes) {
            Item item;
            if (!feed.next(item)) break;
            bytes += item.size;
            chunk.push_back(std::move(item));
        }
    };

    // Records an analysed chunk in one transaction, then (with mark_seen) moves its files.
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
                if (hooks.recorded) hooks.recorded(item.locator, r, item.analysis);
            }
            batch.commit();
        }
        if (settings.mark_seen) {
            for (const Item& item : chunk) {
                if (!item.in_new || !item.read_error.empty()) continue;  // not imported
                if (const auto moved = mark_seen(item.path); !moved) {
                    warn(item.path + ": " + moved.error());
                }
            }
        }
        if (hooks.progress) hooks.progress(totals.mails);
    };

    // Worker 0 (the calling thread, when it helps) looks fingerprints up through `store`; each
    // background worker through a read-only connection of its own. Each lookup is its own short
    // read transaction. (One snapshot per chunk saved a few system calls, but a reader that
    // stays on an old snapshot keeps the commit's checkpoint from truncating the WAL, which
    // then grew past 250 MB in a long run.)
    const unsigned jobs = settings.jobs > 1 ? settings.jobs : 1;
    std::vector<std::unique_ptr<Store>> readers;
    std::vector<Store*> lookups{&store};
    StoreOptions reader_options = store_options;
    reader_options.read_only = true;
    for (unsigned t = 1; t < jobs; ++t) {
        readers.push_back(open_store(reader_options));
        lookups.push_back(readers.back().get());
    }

    // Three chunks in flight: `analysing` is worked on by the pool while the calling thread
    // records `analysed` and lists `next`, then helps with what is left of `analysing`.
    // The chunks (and the connections) are declared before the pool: when recording fails (a
    // database error), the pool finishes the chunk it is working on before they go away.
    std::vector<Item> analysed, analysing, next;
    util::ThreadPool pool(jobs - 1);
    // A database error in a lookup is recorded with the item and rethrown when the chunk is
    // recorded, on the calling thread, which owns the error handling.
    const auto analyse = [&](std::size_t i, unsigned worker) {
        Item& item = analysing[i];
        try {
            analyse_one(item, settings, *lookups[worker]);
        } catch (...) {
            item.failure = std::current_exception();
        }
    };
    next_chunk(analysing);
    while (!analysing.empty()) {
        pool.start(analysing.size(), analyse);
        if (!analysed.empty()) record_chunk(analysed);
        next_chunk(next);
        pool.wait();
        std::swap(analysed, analysing);
        std::swap(analysing, next);
    }
    if (!analysed.empty()) record_chunk(analysed);
    // Leave the store compact: with SQLite the next process to open the database (a mail
    // filter, say) would otherwise rebuild its WAL index from up to 64 MiB of WAL.
    store.finish_bulk_load();
    totals.errors = feed.errors + source.listing_errors + read_errors;
    return totals;
}

}  // namespace autodns
