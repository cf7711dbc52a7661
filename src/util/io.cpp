#include "util/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace autodns::util {

std::string errno_text(int error) {
    return std::strerror(error);
}

Expected<std::string> read_file(const std::string& path, std::size_t expected_size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Failure{errno_text(errno)};
    }
    if (expected_size == unknown_size) {
        struct stat st {};
        expected_size = ::fstat(fd, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
    }
    // Read straight into the string: room for the expected size plus one byte, so that a file
    // of the expected size ends with a read that returns 0 and no reallocation.
    std::string data;
    data.resize(expected_size + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == data.size()) data.resize(data.size() * 2 + 65536);
        const ssize_t n = ::read(fd, &data[used], data.size() - used);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            const int read_errno = errno;
            ::close(fd);
            return Failure{errno_text(read_errno)};
        }
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    data.resize(used);
    return data;
}

Expected<std::string> read_stream(std::FILE* stream) {
    std::string data;
    // A regular file (an MDA that hands over a spool file) is read into a buffer of its size;
    // a pipe's buffer doubles as it fills.
    struct stat st {};
    if (::fstat(::fileno(stream), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        const off_t position = ::lseek(::fileno(stream), 0, SEEK_CUR);
        if (position >= 0 && position <= st.st_size) {
            data.reserve(static_cast<std::size_t>(st.st_size - position) + 1);
        }
    }
    char buffer[65536];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, stream);
        data.append(buffer, n);
        if (n < sizeof buffer) {
            if (std::ferror(stream)) return Failure{errno_text(errno)};
            if (std::feof(stream)) break;
        }
    }
    return data;
}

}  // namespace autodns::util
