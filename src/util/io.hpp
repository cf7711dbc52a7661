// Small file and stream helpers. Nothing project-specific.
#pragma once

#include <cstdio>
#include <string>

#include "util/expected.hpp"

namespace autodns::util {

inline constexpr std::size_t unknown_size = static_cast<std::size_t>(-1);

// Reads a whole file (binary); on failure the reason is strerror's text. `expected_size`
// (from an earlier stat) saves the fstat; a file that has changed size since is still read
// whole.
Expected<std::string> read_file(const std::string& path, std::size_t expected_size = unknown_size);

// Reads the whole of a stdio stream (binary) until EOF; on a read error the reason is
// strerror's text.
Expected<std::string> read_stream(std::FILE* stream);

// strerror(errno) as a std::string.
std::string errno_text(int error);

}  // namespace autodns::util
