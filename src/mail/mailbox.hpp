// Mail archives: Maildir (new/ and cur/), Maildir++ trees, mbox files (mboxrd/mboxo), and
// single message files. Reading never modifies an archive; moving new/ -> cur/ is a separate,
// explicit step (mark_seen) that callers take only after the commit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

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
    explicit MboxReader(const std::string& path);  // check ok() after construction
    ~MboxReader();
    MboxReader(const MboxReader&) = delete;
    MboxReader& operator=(const MboxReader&) = delete;

    bool ok() const { return file_ != nullptr; }
    const std::string& error() const { return error_; }

    // The next message into `message`; false at the end. `index` is its 1-based ordinal and
    // `offset` the byte offset of its "From " line.
    bool next(std::string& message, std::uint64_t& index, std::uint64_t& offset);

  private:
    bool read_line(std::string& line);

    std::FILE* file_ = nullptr;
    std::string error_;
    std::string pending_;  // the separator line already read for the next message
    bool have_pending_ = false;
    std::uint64_t index_ = 0;
    std::uint64_t position_ = 0;
    std::uint64_t pending_offset_ = 0;
};

// Moves a Maildir file from new/ to cur/ adding the Seen flag (":2,S"). Returns an empty
// string on success, else the reason.
std::string mark_seen(const std::string& path_in_new);

}  // namespace autodns
