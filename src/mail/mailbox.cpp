#include "mail/mailbox.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/text.hpp"

namespace autodns {
namespace {

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// First bytes of a file, to tell mbox from message from anything else.
std::string file_head(const std::string& path, std::size_t n) {
    std::string head(n, '\0');
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return {};
    head.resize(std::fread(&head[0], 1, n, f));
    std::fclose(f);
    return head;
}

bool looks_like_header(const std::string& head) {
    const std::size_t colon = head.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 76) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const unsigned char c = static_cast<unsigned char>(head[i]);
        if (c <= 32 || c >= 127) return false;
    }
    return true;
}

struct DirEntry {
    std::string name;
    bool dir;
};

bool read_dir(const std::string& path, std::vector<DirEntry>& out,
              const std::function<void(const std::string&)>& warn) {
    DIR* d = ::opendir(path.c_str());
    if (!d) {
        warn(path + ": cannot read directory: " + std::strerror(errno));
        return false;
    }
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        bool dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) dir = is_dir(path + "/" + name);
        out.push_back({name, dir});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return true;
}

bool is_maildir(const std::string& path) {
    return is_dir(path + "/cur") || is_dir(path + "/new");
}

void add_maildir(const std::string& root, std::vector<ArchiveEntry>& out,
                 const std::function<void(const std::string&)>& warn) {
    for (const char* sub : {"cur", "new"}) {
        const std::string dir = root + "/" + sub;
        if (!is_dir(dir)) continue;
        std::vector<DirEntry> entries;
        read_dir(dir, entries, warn);
        for (const DirEntry& e : entries) {
            if (e.dir || util::starts_with(e.name, ".")) continue;
            out.push_back({ArchiveEntry::Kind::maildir_file, dir + "/" + e.name,
                           std::strcmp(sub, "new") == 0});
        }
    }
    // Maildir++ subfolders: ".Name" directories that are Maildirs themselves.
    std::vector<DirEntry> entries;
    read_dir(root, entries, warn);
    for (const DirEntry& e : entries) {
        if (e.dir && util::starts_with(e.name, ".") && is_maildir(root + "/" + e.name)) {
            add_maildir(root + "/" + e.name, out, warn);
        }
    }
}

void add_file(const std::string& path, bool explicit_path, std::vector<ArchiveEntry>& out,
              const std::function<void(const std::string&)>& warn) {
    const std::string head = file_head(path, 256);
    if (util::starts_with(head, "From ")) {
        out.push_back({ArchiveEntry::Kind::mbox, path, false});
        return;
    }
    const std::size_t slash = path.rfind('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const bool mail_name = util::ends_with(name, ".eml") || util::ends_with(name, ".msg") ||
                           name.find('.') == std::string::npos;
    if (explicit_path || (mail_name && looks_like_header(head))) {
        out.push_back({ArchiveEntry::Kind::message_file, path, false});
    } else if (mail_name && !head.empty()) {
        warn(path + ": skipped: does not start like a mail");
    }
}

void add_directory(const std::string& path, std::vector<ArchiveEntry>& out,
                   const std::function<void(const std::string&)>& warn) {
    if (is_maildir(path)) {
        add_maildir(path, out, warn);
        return;
    }
    std::vector<DirEntry> entries;
    read_dir(path, entries, warn);
    for (const DirEntry& e : entries) {
        if (util::starts_with(e.name, ".") && !(e.dir && is_maildir(path + "/" + e.name))) continue;
        const std::string child = path + "/" + e.name;
        if (e.dir) {
            add_directory(child, out, warn);
        } else {
            add_file(child, false, out, warn);
        }
    }
}

}  // namespace

std::vector<ArchiveEntry> list_archive(const std::vector<std::string>& paths,
                                       const std::function<void(const std::string&)>& warn) {
    std::vector<ArchiveEntry> out;
    for (std::string path : paths) {
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            warn(path + ": " + std::strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            add_directory(path, out, warn);
        } else {
            add_file(path, true, out, warn);
        }
    }
    return out;
}

util::Expected<MboxReader> MboxReader::open(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return util::Failure{std::strerror(errno)};
    return MboxReader(file);
}

bool MboxReader::read_line(std::string& line) {
    line.clear();
    for (;;) {
        const int c = getc_unlocked(file_.get());
        if (c == EOF) return !line.empty();
        line.push_back(static_cast<char>(c));
        if (c == '\n') return true;
    }
}

bool MboxReader::next(std::string& message, std::uint64_t& index, std::uint64_t& offset) {
    message.clear();
    if (!file_) return false;
    std::string line;
    if (!have_pending_) {
        // Start of file: skip to the first separator.
        for (;;) {
            const std::uint64_t at = position_;
            if (!read_line(line)) return false;
            position_ += line.size();
            if (util::starts_with(line, "From ")) {
                pending_offset_ = at;
                break;
            }
        }
    }
    have_pending_ = false;
    offset = pending_offset_;
    index = ++index_;
    bool previous_blank = true;
    for (;;) {
        const std::uint64_t at = position_;
        if (!read_line(line)) break;
        position_ += line.size();
        if (previous_blank && util::starts_with(line, "From ")) {
            have_pending_ = true;
            pending_offset_ = at;
            break;
        }
        previous_blank = line == "\n" || line == "\r\n";
        // mboxrd: ">From ", ">>From ", ... lose one '>'; mboxo's ">From " the same.
        std::size_t quotes = 0;
        while (quotes < line.size() && line[quotes] == '>') ++quotes;
        if (quotes > 0 && line.compare(quotes, 5, "From ") == 0) {
            message.append(line, 1, std::string::npos);
        } else {
            message += line;
        }
    }
    // The blank line before the next separator belongs to the mbox format, not the message.
    if (have_pending_ && !message.empty() && message.back() == '\n') {
        if (message.size() >= 2 && message[message.size() - 2] == '\n') {
            message.pop_back();
        } else if (message.size() >= 3 && message.compare(message.size() - 3, 3, "\n\r\n") == 0) {
            message.resize(message.size() - 2);
        }
    }
    return true;
}

util::Expected<void> mark_seen(const std::string& path_in_new) {
    const std::size_t slash = path_in_new.rfind('/');
    if (slash == std::string::npos || slash < 4 || path_in_new.compare(slash - 4, 4, "/new") != 0) {
        return util::Failure{"not in a Maildir new/ folder"};
    }
    std::string name = path_in_new.substr(slash + 1);
    const std::size_t info = name.find(":2,");
    if (info == std::string::npos) {
        name += ":2,S";
    } else if (name.find('S', info + 3) == std::string::npos) {
        // Flags stay in ASCII order: insert S at its place.
        std::string flags = name.substr(info + 3) + "S";
        std::sort(flags.begin(), flags.end());
        name = name.substr(0, info + 3) + flags;
    }
    const std::string target = path_in_new.substr(0, slash - 4) + "/cur/" + name;
    if (::rename(path_in_new.c_str(), target.c_str()) != 0) {
        return util::Failure{std::string("cannot move to cur/: ") + std::strerror(errno)};
    }
    return {};
}

}  // namespace autodns
