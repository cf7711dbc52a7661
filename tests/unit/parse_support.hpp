// Helpers shared by the parser tests: reading fixtures, parsing text, the fixture folders.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "parse/parse.hpp"

namespace autodns::testing {

inline std::string source_path(const std::string& relative) {
    return std::string(AUTODNS_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline ParseResult parse_text(std::string bytes, std::string content_type = {},
                              std::string filename = {}) {
    Payload p;
    p.bytes = std::move(bytes);
    p.content_type = std::move(content_type);
    p.filename = std::move(filename);
    p.origin = "test";
    return parse_payload(p);
}

inline ParseResult parse_fixture(const std::string& relative) {
    return parse_text(read_file(source_path(relative)));
}

}  // namespace autodns::testing
