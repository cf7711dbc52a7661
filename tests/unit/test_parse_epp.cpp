#include <catch2/catch.hpp>

#include "core/parse.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_fixture;
using autodns::testing::parse_text;

TEST_CASE("epp: the poll reply of seed 001", "[parse_epp]") {
    const ParseResult r = parse_fixture("samples/payloads/001-epp-poll-reply.xml");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    const Notification& n = r.notifications[0];
    CHECK(n.key == "id:880369");
    CHECK(n.kind == "job");
    CHECK(n.type == std::nullopt);
    CHECK(n.task == std::nullopt);
    CHECK(n.format == Format::epp);
    CHECK(n.created == "2017-07-14T13:46:33Z");
    CHECK(n.status.type == "success");
    CHECK(n.status.code == std::nullopt);
    CHECK(n.stid == "20170731-app1-10001");  // paTRID, not the poll command's trID
    CHECK(n.ctid == "EXAMPLE-123456789");
    CHECK(n.object.type == "domain");
    CHECK(n.object.value == "domain.com");
    CHECK(n.owner.user == std::nullopt);
    CHECK(n.data_json.find("\"infData\":{") != std::string::npos);
    CHECK(n.data_json.find("{\"#text\":\"23022508\",\"@type\":\"admin\"}") != std::string::npos);
}

namespace {
std::string epp_reply(const std::string& msgq, const std::string& res_data) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
  <response><result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>
)" + msgq + res_data +
           R"(<trID><clTRID>poll-cl</clTRID><svTRID>poll-sv</svTRID></trID></response></epp>)";
}
}  // namespace

TEST_CASE("epp: paResult 0 is an error, panData alone is enough", "[parse_epp]") {
    const ParseResult r = parse_text(epp_reply(
        R"(<msgQ count="3" id="77"><qDate>2021-10-31T01:30:00.0Z</qDate><msg>Transfer rejected</msg></msgQ>)",
        R"(<resData><domain:panData><domain:name paResult="0">x.example</domain:name>
<domain:paTRID><svTRID>sv-9</svTRID></domain:paTRID></domain:panData></resData>)"));
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == 77);
    CHECK(n.status.type == "error");
    CHECK(n.stid == "sv-9");
    CHECK(n.ctid == std::nullopt);
    CHECK(n.notice == "Transfer rejected");
    CHECK(n.created == "2021-10-31T01:30:00Z");
    CHECK(n.object.value == "x.example");
}

TEST_CASE("epp: a queued message with text only", "[parse_epp]") {
    const ParseResult r = parse_text(epp_reply(
        R"(<msgQ count="1" id="12"><qDate>2021-05-12T12:00:00Z</qDate><msg>Pending action completed.</msg></msgQ>)",
        ""));
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).notice == "Pending action completed.");
    CHECK(r.notifications.at(0).status.type == std::nullopt);
    CHECK(r.notifications.at(0).data_json == "null");
}

TEST_CASE("epp: ack replies, commands and empty queues are not notifications", "[parse_epp]") {
    auto r = parse_fixture("samples/payloads/001-epp-ack-reply.xml");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("ack reply") != std::string::npos);
    r = parse_fixture("samples/payloads/001-epp-poll-request.xml");
    CHECK(r.status == ParseStatus::not_notification);
    r = parse_text(epp_reply("", ""));
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("without <msgQ>") != std::string::npos);
}

TEST_CASE("epp: a message id is required and never guessed", "[parse_epp]") {
    auto r = parse_text(epp_reply(R"(<msgQ count="1"><msg>x</msg></msgQ>)", ""));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "EPP <msgQ> without id");
    r = parse_text(epp_reply(R"(<msgQ count="1" id="abc"><msg>x</msg></msgQ>)", ""));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("\"abc\"") != std::string::npos);
}

TEST_CASE("epp: contact pan data takes its type from the prefix", "[parse_epp]") {
    const ParseResult r = parse_text(epp_reply(
        R"(<msgQ count="1" id="5"><qDate>2021-01-01T00:00:00Z</qDate></msgQ>)",
        R"(<resData><contact:panData xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id paResult="1">C-1</contact:id></contact:panData></resData>)"));
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).object.type == "contact");
    CHECK(r.notifications.at(0).object.value == "C-1");
    CHECK(r.notifications.at(0).status.type == "success");
}
