#include <catch2/catch.hpp>

#include "parse/sniff.hpp"

using namespace autodns;

TEST_CASE("sniff: JSON and XML by their first character", "[sniff]") {
    auto s = sniff_payload("  \n{\"id\": 1}");
    CHECK(s.kind == SniffKind::json);
    CHECK(s.begin == 3);
    CHECK_FALSE(s.embedded);
    CHECK(sniff_payload("[{}]").kind == SniffKind::json);
    s = sniff_payload("\xEF\xBB\xBF<?xml version=\"1.0\"?><message/>");
    CHECK(s.kind == SniffKind::xml);
    CHECK(s.begin == 3);
    CHECK_FALSE(s.embedded);
    // No-break spaces (web copies) count as leading blank.
    CHECK(sniff_payload("\xC2\xA0 <message/>").kind == SniffKind::xml);
}

TEST_CASE("sniff: a root tag missing its '<' is recognised only with its end tag", "[sniff]") {
    auto s = sniff_payload("message>\n<id>1</id>\n</message>\n");
    CHECK(s.kind == SniffKind::xml);
    CHECK(s.missing_lt);
    CHECK(s.begin == 0);
    CHECK(sniff_payload("\nresponse><result/></response>").missing_lt);
    // Without the end tag the meaning is not clear: prose.
    s = sniff_payload("message> hello");
    CHECK(s.kind == SniffKind::none);
    CHECK_FALSE(s.missing_lt);
}

TEST_CASE("sniff: documents after human text are embedded", "[sniff]") {
    const std::string text =
        "Dear Sir or Madam,\n\nyour job (a < b) finished.\n\n<?xml "
        "version=\"1.0\"?>\n<message><id>1</id></message>\n";
    auto s = sniff_payload(text);
    CHECK(s.kind == SniffKind::xml);
    CHECK(s.embedded);
    CHECK(s.begin == text.find("<?xml"));

    s = sniff_payload("Hallo,\n<response>\n<result/></response>");
    CHECK(s.kind == SniffKind::xml);
    CHECK(s.begin == 7);
    // "<messages>" is not "<message": the tag name must end.
    CHECK(sniff_payload("see <messages> here").kind == SniffKind::none);

    s = sniff_payload("Notification follows: {\n \"id\": 5, \"notify\": {}}");
    CHECK(s.kind == SniffKind::json);
    CHECK(s.embedded);
    CHECK(s.begin == 22);
    // A brace not followed by a string key is prose.
    CHECK(sniff_payload("set {a, b} of things").kind == SniffKind::none);
    // The earliest candidate wins.
    CHECK(sniff_payload("x {\"a\":1} <message></message>").kind == SniffKind::json);
    CHECK(sniff_payload("x <epp></epp> {\"a\":1}").kind == SniffKind::xml);
}

TEST_CASE("sniff: text without a document, empty input", "[sniff]") {
    auto s = sniff_payload("Sehr geehrte Damen und Herren,\nIhr Auftrag wurde bearbeitet.\n");
    CHECK(s.kind == SniffKind::none);
    CHECK(s.reason.find("no JSON or XML") != std::string::npos);
    s = sniff_payload(" \r\n\t");
    CHECK(s.kind == SniffKind::none);
    CHECK(s.reason == "empty payload");
}

TEST_CASE("sniff: binary content", "[sniff]") {
    std::string with_nul = "{\"id\": 1}";
    with_nul[3] = '\0';
    auto s = sniff_payload(with_nul);
    CHECK(s.kind == SniffKind::binary);
    CHECK(s.reason.find("NUL byte at offset 3") != std::string::npos);

    std::string junk;
    for (int i = 0; i < 1000; ++i) junk += static_cast<char>(1 + (i * 37) % 250);
    s = sniff_payload(junk);
    CHECK(s.kind == SniffKind::binary);
    CHECK(s.reason.find("control characters") != std::string::npos);

    // UTF-8 text with umlauts and tabs is text.
    CHECK_FALSE(binary_evidence("Grüße aus Köln\tund Zürich\r\n"));
}
