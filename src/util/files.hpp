// Files: an owning file descriptor, writing all of a buffer, syncing, and the one durable
// atomic replacement of a file. POSIX only; nothing project-specific.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace autodns::util {

// Owns a file descriptor and closes it on destruction (-1: none).
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives up ownership without closing.
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    // Closes the descriptor held (if any) and takes `fd`.
    void reset(int fd = -1);

  private:
    int fd_ = -1;
};

// The directory part of `path`: "." without a slash, "/" for "/name".
std::string directory_of(const std::string& path);

// Writes all of `data` to `fd`, retrying after EINTR and short writes. 0, or the errno of the
// failing write.
int write_all(int fd, std::string_view data);

// A failed file operation: what was being done ("create", "write", "sync", "rename"), the
// errno, and a message "cannot <step> PATH: <strerror>" ("cannot rename TMP to PATH: ...").
struct FileError {
    std::string step;
    int error = 0;
    std::string message;
};

// fsync() of the file or directory at `path` (opened read-only). For a directory, EINVAL from
// fsync (file systems that cannot sync directories) counts as success. On failure the step is
// "open" (message "cannot open PATH to sync it: ...") or "sync".
Expected<void, FileError> sync_path(const std::string& path, bool directory);

// Replaces `path` durably and atomically with `data`: writes PATH.tmp in the same directory
// (created with `mode`, before the umask), fsyncs it, renames it over `path`, then fsyncs the
// directory (best effort: the file is complete and in place either way). A reader sees the
// old file or the new one, never a partial one. On failure PATH.tmp is removed and `path` is
// as it was.
Expected<void, FileError> write_file_atomically(const std::string& path, std::string_view data,
                                                mode_t mode = 0644);

}  // namespace autodns::util
