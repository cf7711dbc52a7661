#include <catch2/catch.hpp>

#include "parse/parse.hpp"
#include "parse/record_json.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_fixture;
using autodns::testing::parse_text;

TEST_CASE("json: job push body from the generator", "[parse_json]") {
    const ParseResult r = parse_fixture("tests/data/gen-json-job-ctid.json");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    const Notification& n = r.notifications[0];
    CHECK(n.key == "id:1005057073");
    CHECK(n.id == 1005057073);
    CHECK(n.kind == "job");
    CHECK(n.type == "DomainCreate");
    CHECK(n.task == "0101");
    CHECK(n.job_type == "domain_create");
    CHECK(n.job_id == 451054961);
    CHECK(n.ctid == "ctid-dc5bda8480");
    CHECK(n.stid == "20240101-app3-10202");
    CHECK(n.status.type == "success");
    CHECK(n.status.code == "S0101");
    CHECK(n.status.text == "Domain was created successfully.");
    CHECK(n.object.type == "domain");
    CHECK(n.object.value == "elektro.de");
    CHECK(n.owner.user == "customer4517");
    CHECK(n.owner.context == 4);
    CHECK(n.created == "2024-01-01T09:58:05Z");  // "2024-01-01T10:58:05.000+0100"
    CHECK(n.format == Format::json);
    CHECK(n.data_json.find("\"name\":\"elektro.de\"") != std::string::npos);
}

TEST_CASE("json: poll-wrapped job: outer stid/status belong to the poll call", "[parse_json]") {
    const ParseResult r = parse_fixture("tests/data/gen-json-job-poll.json");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    const Notification& n = r.notifications[0];
    CHECK(n.id == 1005057887);
    CHECK(n.stid == "20240101-app2-10810");  // the poll call's is ...10819
    CHECK(n.status.code == "S0302");         // the poll call's is S0905
    CHECK(n.type == "ContactUpdate");
    CHECK(n.job_type == "contact_update");
    CHECK(n.object.type == "contact");
    CHECK(n.object.value == "23255075");
    CHECK(n.owner.user == "customer1614");
    CHECK(n.created == "2024-01-01T12:55:43Z");
    CHECK(n.kind == "job");
}

TEST_CASE("json: notify body in ISO-8859-1 is read", "[parse_json]") {
    const ParseResult r = parse_fixture("tests/data/gen-json-notify-latin1.json");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == 1005056933);
    CHECK(n.kind == "notify");
    CHECK(n.type == "transfer_autoack");
    CHECK(n.task == std::nullopt);
    CHECK(n.status.type == std::nullopt);  // the JSON notify message carries no status
    CHECK(n.created == "2024-01-01T09:08:30Z");
    CHECK(n.data_json.find("stra\xC3\x9F"
                           "e") != std::string::npos);  // "straße" as UTF-8
}

TEST_CASE("json: several messages in data give several records", "[parse_json]") {
    const ParseResult r = parse_text(R"({"stid":"poll-1","status":{"code":"S0905","type":"SUCCESS"},
      "data":[{"message":{"id":11,"job":{"id":7},"status":{"resultCode":"E0101002","type":"ERROR"},
                          "object":{"type":"DOMAIN","value":"a.example"},"stid":"s-11"}},
              {"id":12,"notify":{"type":"transfer_start"},"stid":"s-12",
               "object":{"type":"Domain","value":"b.example"}}]})");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 2);
    CHECK(r.notifications[0].key == "id:11");
    CHECK(r.notifications[0].status.code == "E0101002");  // resultCode accepted as code
    CHECK(r.notifications[0].status.type == "error");
    CHECK(r.notifications[0].type == "DomainCreate");  // 0101002 is not listed: 0101
    CHECK(r.notifications[0].task == "0101");
    CHECK(r.notifications[0].object.type == "domain");
    CHECK(r.notifications[0].stid == "s-11");
    CHECK(r.notifications[0].job_id == 7);
    CHECK(r.notifications[1].key == "id:12");
    CHECK(r.notifications[1].kind == "notify");
    CHECK(r.notifications[1].stid == "s-12");
}

TEST_CASE("json: a task code missing from the table keeps task, leaves type null", "[parse_json]") {
    const ParseResult r = parse_text(
        R"({"id": 3, "job": {"id": 9, "type": "domain_renew"}, "status": {"code": "S0105"}})");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.task == "0105");
    CHECK(n.type == std::nullopt);
    CHECK(n.job_type == "domain_renew");
}

TEST_CASE("json: bare event notification has a sha256 key", "[parse_json]") {
    const ParseResult r = parse_text(
        R"({ "notification": { "type": "transfer_start", "domain": "example.com", "timestamp": "2024-12-30T12:00:00Z" } })");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == std::nullopt);
    CHECK(n.kind == "notify");
    CHECK(n.object.type == "domain");
    CHECK(n.object.value == "example.com");
    CHECK(n.created == "2024-12-30T12:00:00Z");
    CHECK(n.key ==
          "sha256:" +
              sha256_hex("notify\ntransfer_start\ndomain\nexample.com\n2024-12-30T12:00:00Z"));
}

TEST_CASE("json: replies that are not notifications", "[parse_json]") {
    auto r = parse_text(
        R"({"stid":"x","status":{"code":"S0906","type":"SUCCESS"},"object":{"type":"message","value":"1"}})");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("S0906") != std::string::npos);
    r = parse_text(R"({"stid":"x","status":{"code":"S0905","type":"SUCCESS"},"data":[]})");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("without a notification message") != std::string::npos);
    r = parse_text(R"({"status":{"code":"E0905","type":"ERROR"}})");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("E0905") != std::string::npos);
    r = parse_text(R"({"hello": "world"})");
    CHECK(r.status == ParseStatus::not_notification);
    r = parse_text(R"("just a string")");
    CHECK(r.status == ParseStatus::not_notification);
}

TEST_CASE("json: a notification message without id is malformed, never guessed", "[parse_json]") {
    auto r = parse_text(
        R"({"notify":{"type":"transfer_start"},"object":{"type":"Domain","value":"x.de"}})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "notification message without id");
    CHECK(r.notifications.empty());
    r = parse_text(R"({"id":"12a","notify":{"type":"transfer_start"}})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("\"12a\"") != std::string::npos);
    r = parse_text(R"({"id":-4,"notify":{"type":"transfer_start"}})");
    CHECK(r.status == ParseStatus::malformed);
    r = parse_text(R"({"id":5,"notify":{}})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("without notify type") != std::string::npos);
    r = parse_text(R"({"id":5,"notify":{"type":"x"},"created":"last tuesday"})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("last tuesday") != std::string::npos);
}

TEST_CASE("json: id given as a string, numbers as text", "[parse_json]") {
    const ParseResult r = parse_text(
        R"({"id":"77","notify":{"type":"domain_away"},"stid":123,"owner":{"user":"u","context":"9"}})");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications[0].id == 77);
    CHECK(r.notifications[0].stid == "123");
    CHECK(r.notifications[0].owner.context == 9);
}

TEST_CASE("json: truncated and broken documents", "[parse_json]") {
    const std::string doc = autodns::testing::read_file(
        autodns::testing::source_path("samples/payloads/003-autoupdate_dns_success-push.json"));
    auto r = parse_text(doc.substr(0, 300));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.rfind("truncated JSON at byte 300: ", 0) == 0);
    r = parse_text(R"({"id": 1, "notice": "abc)");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "truncated JSON at byte 24: input ends inside a string");
    r = parse_text(R"({"id": 1, "notify": {"type": "x"},})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.rfind("invalid JSON at byte ", 0) == 0);
    r = parse_text(R"({"id": 1]})");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("unbalanced ']' at byte 8") != std::string::npos);
    r = parse_text(R"({"id": 1} {"id": 2})");  // a second document: not silently dropped
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "a second JSON document after the first at byte 10");
}
