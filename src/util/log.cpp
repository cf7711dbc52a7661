#include "util/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

namespace autodns::util {

std::string log_text(std::string_view command, std::string_view text) {
    std::string line = "autodns-notify";
    if (!command.empty()) line.append(" ").append(command);
    line += ": ";
    line.append(text);
    return line;
}

void log_line(std::string_view command, std::string_view text) {
    write_log_line(log_text(command, text));
}

void write_log_line(std::string_view line) {
    std::string out(line);
    out += '\n';
    std::fflush(stderr);  // anything stdio still holds goes first
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // stderr closed or full: nothing better to do with a log line
        done += static_cast<std::size_t>(n);
    }
}

void log_linef(const char* command, const char* format, ...) {
    va_list args;
    va_start(args, format);
    va_list again;
    va_copy(again, args);
    const int size = std::vsnprintf(nullptr, 0, format, args);
    va_end(args);
    std::string text(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    if (size > 0) std::vsnprintf(text.data(), text.size() + 1, format, again);
    va_end(again);
    log_line(command, text);
}

}  // namespace autodns::util
