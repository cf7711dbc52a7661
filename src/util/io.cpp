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

std::optional<std::string> read_file(const std::string& path, std::string* error,
                                     std::size_t expected_size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (error) *error = errno_text(errno);
        return std::nullopt;
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
            if (error) *error = errno_text(errno);
            ::close(fd);
            return std::nullopt;
        }
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    data.resize(used);
    return data;
}

std::optional<std::string> read_stream(std::FILE* stream, std::string* error) {
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
            if (std::ferror(stream)) {
                if (error) *error = errno_text(errno);
                return std::nullopt;
            }
            if (std::feof(stream)) break;
        }
    }
    return data;
}

}  // namespace autodns::util
