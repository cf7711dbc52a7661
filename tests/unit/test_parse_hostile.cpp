// Hostile input: every case must end in a clear error, in bounded time and memory.
#include <catch2/catch.hpp>

#include <chrono>

#include "parse/parse.hpp"
#include "parse/scan.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_text;

namespace {
std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}
}  // namespace

TEST_CASE("hostile: 100 000-deep JSON is refused before parsing", "[parse_hostile]") {
    const ParseResult r = parse_text(repeat("[", 100000) + repeat("]", 100000));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "JSON nested deeper than 256 levels at byte 256");
}

TEST_CASE("hostile: 1 000 000-deep JSON objects, unterminated", "[parse_hostile]") {
    const ParseResult r = parse_text(repeat("{\"a\":", 1000000));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "JSON nested deeper than 256 levels at byte 1280");
}

TEST_CASE("hostile: 100 000-deep XML is refused before parsing", "[parse_hostile]") {
    const ParseResult r =
        parse_text("<message>" + repeat("<a>", 100000) + repeat("</a>", 100000) + "</message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "XML nested deeper than 256 levels at byte 774");
    // Inside human text too.
    const ParseResult s = parse_text("Hallo\n<message>" + repeat("<a>", 100000));
    CHECK(s.status == ParseStatus::malformed);
    CHECK(s.error.find("XML nested deeper than 256 levels") == 0);
}

TEST_CASE("hostile: nesting at the limit is still read", "[parse_hostile]") {
    // 255 levels inside the data object: within the limit of 256.
    const std::string deep = repeat("{\"x\":", 253) + "1" + repeat("}", 253);
    const ParseResult r =
        parse_text("{\"id\":1,\"notify\":{\"type\":\"t\"},\"object\":{\"data\":" + deep + "}}");
    CHECK(r.status == ParseStatus::ok);
    CHECK(scan_json("[[[]]]", 0, 2).status == ScanStatus::too_deep);
    CHECK(scan_json("[[[]]]", 0, 3).status == ScanStatus::complete);
    CHECK(scan_xml("<a><b><c/></b></a>", 0, 2).status ==
          ScanStatus::complete);  // <c/> opens nothing
    CHECK(scan_xml("<a><b><c></c></b></a>", 0, 2).status == ScanStatus::too_deep);
}

TEST_CASE("hostile: billion laughs", "[parse_hostile]") {
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE message [\n <!ENTITY lol \"lol\">\n";
    doc += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
    for (int i = 2; i <= 9; ++i) {
        doc += " <!ENTITY lol" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) doc += "&lol" + std::to_string(i - 1) + ";";
        doc += "\">\n";
    }
    doc += "]>\n<message><id>1</id><type>&lol9;</type></message>\n";
    const ParseResult r = parse_text(doc);
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "XML with a DTD declaring entities is refused (entity expansion)");

    // Without the DTD, an undeclared entity reference stays literal text: pugixml expands
    // nothing but the five predefined entities and character references.
    const ParseResult s = parse_text("<message><id>1</id><type>&lol9;&amp;&#65;</type></message>");
    REQUIRE(s.status == ParseStatus::ok);
    CHECK(s.notifications.at(0).type == "&lol9;&A");
    // A DOCTYPE without entity declarations is skipped.
    const ParseResult t =
        parse_text("<!DOCTYPE message><message><id>2</id><type>x</type></message>");
    CHECK(t.status == ParseStatus::ok);
}

TEST_CASE("hostile: binary junk", "[parse_hostile]") {
    std::string junk;
    std::uint32_t state = 12345;
    for (int i = 0; i < 4096; ++i) {
        state = state * 1103515245u + 12345u;
        junk += static_cast<char>(state >> 24);
    }
    ParseResult r = parse_text(junk, "application/json", "autodns-notification-1.json");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("binary content") == 0);
    r = parse_text(junk, "application/octet-stream");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("binary content") == 0);
    // Junk that happens to start like JSON.
    r = parse_text("{\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" + junk.substr(0, 10));
    CHECK(r.status != ParseStatus::ok);
    r = parse_text("{\"id\": \xff\xfe\xfd}");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("invalid JSON at byte 7") == 0);
}

TEST_CASE("hostile: a 50 MB body is refused by the size limit", "[parse_hostile]") {
    const auto start = std::chrono::steady_clock::now();
    std::string big = "{\"id\": 1, \"notify\": {\"type\": \"x\"}, \"notice\": \"";
    big.append(50 * 1000 * 1000, 'a');
    big += "\"}";
    const ParseResult r = parse_text(std::move(big));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("exceeds the limit of 33554432 bytes") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("hostile: a large body under the limit is parsed", "[parse_hostile]") {
    std::string big = "<message><id>4</id><type>x</type><nic_response>";
    big.append(8 * 1000 * 1000, 'n');
    big += "</nic_response></message>";
    const ParseResult r = parse_text(std::move(big));
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).notice->size() == 8u * 1000 * 1000);
}

TEST_CASE("hostile: empty and blank payloads", "[parse_hostile]") {
    CHECK(parse_text("").status == ParseStatus::not_notification);
    CHECK(parse_text("\xEF\xBB\xBF  \n").error == "empty payload");
}

TEST_CASE("hostile: payload limits are configurable", "[parse_hostile]") {
    const std::string body =
        "{\"id\":1,\"notify\":{\"type\":\"t\"},\"object\":{\"data\":" + repeat("[", 300) +
        repeat("]", 300) + "}}";
    Payload p{body, "application/json", {}, "test"};
    CHECK(parse_payload(p).status == ParseStatus::malformed);  // 256 by default
    ParseLimits deeper;
    deeper.max_depth = 400;
    CHECK(parse_payload(p, deeper).status == ParseStatus::ok);

    ParseLimits small;
    small.max_bytes = 50;
    const ParseResult r = parse_payload(p, small);
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error ==
          "payload of " + std::to_string(body.size()) + " bytes exceeds the limit of 50 bytes");
}

TEST_CASE("hostile: the depth limit has a ceiling the parsers' recursion survives",
          "[parse_hostile]") {
    ParseLimits unbounded;
    unbounded.max_depth = 1000000;
    // Nesting at the ceiling is read (every recursive step runs), one more level is refused.
    const auto json_at = [](std::size_t levels) {
        return "{\"id\":1,\"notify\":{\"type\":\"t\"},\"object\":{\"data\":" +
               repeat("{\"x\":", levels - 2) + "1" + repeat("}", levels - 2) + "}}";
    };
    const Payload at{json_at(kMaxPayloadDepthCeiling), "application/json", {}, "test"};
    const ParseResult r = parse_payload(at, unbounded);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).data_json.size() > kMaxPayloadDepthCeiling);
    const Payload over{json_at(kMaxPayloadDepthCeiling + 1), "application/json", {}, "test"};
    CHECK(parse_payload(over, unbounded).error.find("JSON nested deeper than 1024 levels") == 0);

    const std::string xml = "<message><id>1</id><type>t</type><domain>" +
                            repeat("<a>", kMaxPayloadDepthCeiling - 2) +
                            repeat("</a>", kMaxPayloadDepthCeiling - 2) + "</domain></message>";
    const ParseResult x = parse_payload(Payload{xml, "text/xml", {}, "test"}, unbounded);
    CHECK(x.status == ParseStatus::ok);
    const std::string deeper = "<message><a>" + xml.substr(9) + "</a>";
    CHECK(parse_payload(Payload{deeper, "text/xml", {}, "test"}, unbounded)
              .error.find("XML nested deeper than 1024 levels") == 0);
}
