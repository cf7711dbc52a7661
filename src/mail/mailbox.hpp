// Mail archives: Maildir (new/ and cur/), Maildir++ trees, mbox files (mboxrd/mboxo), and
// single message files. Reading never modifies an archive; moving new/ -> cur/ is a separate,
// explicit step (mark_seen) that callers take only after the commit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/expected.hpp"

namespace autodns {

// One mail file of a Maildir or a directory of messages, or one mbox file.
struct ArchiveEntry {
    enum class Kind { maildir_file, message_file, mbox } kind = Kind::message_file;
    std::string path;
    bool in_new = false;  // maildir_file in new/ (a candidate for mark_seen)
};

// Expands the user's PATHs: a Maildir (has cur/ or new/) gives its files and those of its
// Maildir++ subfolders (".Name/"); another directory is walked recursively (files named
// *.eml, *.msg or without an extension that start like a mail, and mbox files); a file is an
// mbox when it starts with "From ", else one message. Problems (missing path, unreadable
// directory) are reported through `warn` and the walk goes on. Entries come in a stable
// order (sorted by path within a directory).
std::vector<ArchiveEntry> list_archive(const std::vector<std::string>& paths,
                                       const std::function<void(const std::string&)>& warn);

// Reads an mbox file one message at a time with constant memory, undoing mboxrd/mboxo
// ">From " quoting and dropping the "From " separator line.
class MboxReader {
  public:
    // The reader of the mbox at `path`, or why it cannot be opened (strerror's text).
    static util::Expected<MboxReader> open(const std::string& path);

    // The next message into `message`; false at the end. `index` is its 1-based ordinal and
    // `offset` the byte offset of its "From " line.
    bool next(std::string& message, std::uint64_t& index, std::uint64_t& offset);

  private:
    struct Close {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    explicit MboxReader(std::FILE* file) : file_(file) {}
    bool read_line(std::string& line);

    std::unique_ptr<std::FILE, Close> file_;
    std::string pending_;  // the separator line already read for the next message
    bool have_pending_ = false;
    std::uint64_t index_ = 0;
    std::uint64_t position_ = 0;
    std::uint64_t pending_offset_ = 0;
};

// Moves a Maildir file from new/ to cur/ adding the Seen flag (":2,S"); the reason when it
// cannot.
util::Expected<void> mark_seen(const std::string& path_in_new);

}  // namespace autodns
