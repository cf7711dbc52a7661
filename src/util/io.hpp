// Small file and stream helpers. Nothing project-specific.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

namespace autodns::util {

inline constexpr std::size_t unknown_size = static_cast<std::size_t>(-1);

// Reads a whole file (binary). Returns nullopt and sets `error` on failure.
// `expected_size` (from an earlier stat) saves the fstat; a file that has changed size since
// is still read whole.
std::optional<std::string> read_file(const std::string& path, std::string* error = nullptr,
                                     std::size_t expected_size = unknown_size);

// Reads the whole of a stdio stream (binary) until EOF. Returns nullopt on a read error.
std::optional<std::string> read_stream(std::FILE* stream, std::string* error = nullptr);

// strerror(errno) as a std::string.
std::string errno_text(int error);

}  // namespace autodns::util

namespace autodns {
// Also under the names callers in autodns:: used before util:: held them.
using util::read_file;
}  // namespace autodns
