#include <catch2/catch.hpp>

#include "parse/parse.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_fixture;
using autodns::testing::parse_text;

TEST_CASE("standard: generator job mail, human text then XML", "[parse_standard]") {
    const ParseResult r = parse_fixture("tests/data/gen-standard-job.txt");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    const Notification& n = r.notifications[0];
    CHECK(n.format == Format::standard);
    CHECK(n.key == "id:1005057012");
    CHECK(n.kind == "job");
    CHECK(n.job_type == "domain_renew");
    CHECK(n.job_id == 451054928);
    CHECK(n.ctid == "ctid-ba5282b848");
    CHECK(n.stid == "20240101-app5-10138");
    CHECK(n.object.value == "data.de");
    CHECK(n.owner.user == "customer2542");
    CHECK(n.created == "2024-01-01T09:31:26Z");
}

TEST_CASE("standard: generator notify mail", "[parse_standard]") {
    const ParseResult r = parse_fixture("tests/data/gen-standard-notify.txt");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.format == Format::standard);
    CHECK(n.id == 1005056963);
    CHECK(n.kind == "notify");
    CHECK(n.type == "transfer_start");
    CHECK(n.object.value == "storeheim105.com");
    CHECK(n.stid == "20240101-app3-10104");
}

TEST_CASE("standard: the XML is cut at its matching end tag", "[parse_standard]") {
    const std::string mail =
        "Sehr geehrte Damen und Herren,\n\nDetails unten.\n----\n"
        "<message><id>9</id><type>domain_away</type><domain><name>a.de</name></domain>"
        "<message_note>nested <b>markup</b></message_note></message>\n"
        "-- \nMit freundlichen Grüßen\n<message> is mentioned again here\n";
    const ParseResult r = parse_text(mail);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).id == 9);
    CHECK(r.notifications.at(0).format == Format::standard);
}

TEST_CASE("standard: a JSON object inside text", "[parse_standard]") {
    const ParseResult r = parse_text(
        "Hello,\nthe notification:\n\n{ \"id\": 31, \"notify\": {\"type\": \"ocval_reminder\"},"
        " \"object\": {\"type\": \"Domain\", \"value\": \"x.de\", \"data\": {\"s\": \"a } "
        "b\"}}}\nBye.\n");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.format == Format::standard);
    CHECK(n.id == 31);
    CHECK(n.type == "ocval_reminder");
    CHECK(n.data_json == R"({"s":"a } b"})");
}

TEST_CASE("standard: the seed-002 table row picks its first document", "[parse_standard]") {
    const ParseResult r = parse_text(
        R"(TransferOut (JSON) { "notification": { "type": "transfer_start", "domain": "example.com", "timestamp": "2024-12-30T12:00:00Z" } } Zone purge (XML) <notification> <type>zone_deleted</type> <zone>example.com</zone> <timestamp>2024-12-30T12:00:00Z</timestamp> </notification> |)");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    CHECK(r.notifications[0].type == "transfer_start");
    CHECK(r.notifications[0].format == Format::standard);
}

TEST_CASE("standard: text without a document, truncated embedded XML", "[parse_standard]") {
    auto r = parse_text("Dear Sir or Madam,\n\nAutoDNS has processed your job.\n\nKind regards\n");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("no JSON or XML notification") != std::string::npos);
    const std::string head = "Hallo,\n\n";
    r = parse_text(head + "<?xml version=\"1.0\"?>\n<message>\n  <id>1</id>\n  <type>x");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("truncated XML at byte") == 0);
    CHECK(r.error.find("<type> not closed") != std::string::npos);
}
