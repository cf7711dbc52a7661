// Batch import of mail archives: Maildir folders, Maildir++ trees, mbox files and message
// files into a store.
//
// Mails are taken in chunks. Worker threads read each file, fingerprint it, skip it when its
// exact bytes were recorded before (so a second run over the same archive parses nothing;
// each worker asks the database through a read-only connection of its own), analyse it and
// serialize its records; the calling thread lists the files (and reads mbox files, which are
// sequential) and records each analysed chunk in one transaction while the workers are busy
// with the next. A kill at any point loses nothing: committed chunks stay, the rest is
// imported by the next run. Files are moved new/ -> cur/ (mark_seen) only after their chunk
// is committed.
//
//   ImportSource source = list_import_source(paths, warn);  // problems: warn, counted
//   ... open the store (durable_ack, StoreWorkload::bulk_load) ...
//   ImportTotals totals = run_import(source, store, store_options, settings, hooks);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "mail/extract.hpp"
#include "mail/mailbox.hpp"
#include "mail/policy.hpp"
#include "parse/parse.hpp"
#include "store/store.hpp"

namespace autodns {

// What one import reads: the archive entries of the user's paths, in import order.
struct ImportSource {
    std::vector<ArchiveEntry> entries;
    std::uint64_t listing_errors = 0;  // paths that could not be listed (each warned once)
    std::uint64_t files = 0;           // entries that are one mail each (not mbox)
    bool has_mbox = false;

    // Mails to expect, for a progress display: 0 (unknown) when an mbox is among the entries.
    std::uint64_t known_mails() const { return has_mbox ? 0 : files; }
};

// Expands `paths` with list_archive(); each problem goes to `warn` and counts as an error.
ImportSource list_import_source(const std::vector<std::string>& paths,
                                const std::function<void(const std::string&)>& warn);

struct ImportSettings {
    MailPolicy mail_policy;
    MimeLimits mime_limits;
    ParseLimits parse_limits;
    std::size_t max_input_bytes = 64u * 1024 * 1024;  // larger mails: quarantined, unparsed
    bool mark_seen = false;  // after each chunk's commit, move its files new/ -> cur/ (Seen)
    unsigned jobs = 1;       // threads that analyse mail, the calling one included (0: 1)
    // A chunk, recorded in one transaction: up to this many mails, or until this many bytes
    // (at least one mail).
    std::size_t chunk_mails = 512;
    std::size_t chunk_bytes = 8u * 1024 * 1024;
};

// Callbacks, all called on the thread that calls run_import(); each may be empty.
struct ImportHooks {
    // A problem that does not stop the import: "PATH: cannot read: REASON" (counted in
    // ImportTotals::errors), or a file that could not be marked seen ("PATH: REASON").
    std::function<void(const std::string&)> warn;
    // After each mail is recorded (inside its chunk's transaction, before the commit).
    std::function<void(const std::string& locator, const IngestReport& report,
                       const Analysis& analysis)>
        recorded;
    // After each chunk is committed (and marked seen): the mails done so far.
    std::function<void(std::uint64_t mails)> progress;
};

struct ImportTotals {
    std::uint64_t mails = 0;          // read (imported before or not)
    std::uint64_t notifications = 0;  // in the mails read this time
    std::uint64_t fresh = 0;          // notifications stored new
    std::uint64_t duplicate = 0;      // notifications already stored
    std::uint64_t quarantined = 0;    // mails kept in quarantine
    std::uint64_t skipped = 0;        // mails recorded by an earlier run (same bytes)
    std::uint64_t errors = 0;         // unlistable paths, unreadable files and mbox files
};

// Imports `source` into `store`, chunk by chunk, and ends with store.finish_bulk_load().
// `store_options` are those `store` was opened with: each background worker opens a read-only
// connection of its own with them. With `settings.mark_seen` the store must have been opened
// with durable_ack (a file is moved once its commit is durable). Throws what the store throws
// (FatalError, temporary when the database is locked, read-only or full); the chunks committed
// until then stay committed.
ImportTotals run_import(const ImportSource& source, Store& store, const StoreOptions& store_options,
                        const ImportSettings& settings, const ImportHooks& hooks = {});

}  // namespace autodns
