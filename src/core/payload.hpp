// A candidate body: the unit the parsers consume, whatever channel it came by.
#pragma once

#include <string>

namespace autodns {

struct Payload {
    std::string bytes;         // the body, transfer-decoded; UTF-8 when it came from a text part
    std::string content_type;  // lower-case media type hint ("application/json"), may be empty
    std::string filename;      // attachment file name when there is one, may be empty
    std::string origin;        // where it came from, for diagnostics ("part 2 of 3", "stdin")
};

}  // namespace autodns
