#include "util/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace autodns::util {
namespace {

FileError file_error(const char* step, const std::string& what, int error) {
    return FileError{step, error,
                     std::string("cannot ") + step + " " + what + ": " + std::strerror(error)};
}

}  // namespace

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string directory_of(const std::string& path) {
    const std::string::size_type slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

int write_all(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

Expected<void, FileError> sync_path(const std::string& path, bool directory) {
    const UniqueFd fd(
        ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
    if (!fd) {
        const int e = errno;
        return FileError{"open", e, "cannot open " + path + " to sync it: " + std::strerror(e)};
    }
    if (::fsync(fd.get()) != 0 && !(directory && errno == EINVAL)) {
        return file_error("sync", path, errno);
    }
    return {};
}

Expected<void, FileError> write_file_atomically(const std::string& path, std::string_view data,
                                                mode_t mode) {
    const std::string tmp = path + ".tmp";
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
        if (!fd) return file_error("create", tmp, errno);
        const char* step = "write";
        int e = write_all(fd.get(), data);
        if (e == 0 && ::fsync(fd.get()) != 0) {
            step = "sync";
            e = errno;
        }
        if (e != 0) {
            fd.reset();
            ::unlink(tmp.c_str());
            return file_error(step, tmp, e);
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return file_error("rename", tmp + " to " + path, e);
    }
    // Best effort: the file is complete and in place either way.
    static_cast<void>(sync_path(directory_of(path), true));
    return {};
}

}  // namespace autodns::util
