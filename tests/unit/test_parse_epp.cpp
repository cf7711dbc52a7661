#include <catch2/catch.hpp>

#include "parse/epp_parser.hpp"
#include "parse/parse.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_fixture;
using autodns::testing::parse_text;
using autodns::testing::read_file;
using autodns::testing::source_path;

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

TEST_CASE("epp: AutoDNS miscData message gives status, type and object", "[parse_epp]") {
    const ParseResult r = parse_fixture("samples/payloads/eppdoc-transfer_ack-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.key == "id:880178");
    CHECK(n.kind == "job");
    CHECK(n.status.code == "S0104001");
    CHECK(n.status.text == "The incoming domain transfer (ACK) has been completed successfully.");
    CHECK(n.status.type == "success");
    CHECK(n.object.type == "domain");
    CHECK(n.object.value == "epp-transfer-test001.me");
    CHECK(n.task == "0104");
    CHECK(n.type == "DomainTransfer");
    CHECK(n.notice == "MISC: ACK");
    CHECK(n.created == "2017-07-14T06:52:19Z");
    // The response's trID echoes the poll command's clTRID (RFC 5730): not the message's.
    CHECK(n.stid == std::nullopt);
    CHECK(n.ctid == std::nullopt);
}

TEST_CASE("epp: an undeclared namespace prefix stays readable", "[parse_epp]") {
    const ParseResult r =
        parse_fixture("samples/payloads/eppdoc-transfer_start-undeclared-prefix-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == 900467);
    CHECK(n.status.code == "S0104");
    CHECK(n.status.type == "success");
    CHECK(n.object.value == "dev-a4-ownerchange.eu");
}

TEST_CASE("epp: code letters E and N, argument type lower-cased", "[parse_epp]") {
    const ParseResult r = parse_fixture("samples/payloads/epp-domain_create_error-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).status.type == "error");
    CHECK(r.notifications.at(0).object.type == "domain");
    CHECK(r.notifications.at(0).type == "DomainCreate");
    const ParseResult n = parse_text(epp_reply(
        R"(<msgQ count="1" id="31"><qDate>2024-01-01T00:00:00Z</qDate></msgQ>)",
        R"(<resData><domainrobot:miscData xmlns:domainrobot="urn:org:domainrobot:ns:ext-1.0"><domainrobot:message code="N0101" level="INFO"><domainrobot:text>Started.</domainrobot:text><domainrobot:argument type="domain">n.example</domainrobot:argument></domainrobot:message></domainrobot:miscData></resData>)"));
    REQUIRE(n.status == ParseStatus::ok);
    CHECK(n.notifications.at(0).status.type == "notify");
}

TEST_CASE("epp: transfer data, contact and host objects, extension code and ctid", "[parse_epp]") {
    ParseResult r = parse_fixture("samples/payloads/epp-domain_transfer_out-trndata-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).object.type == "domain");
    CHECK(r.notifications.at(0).object.value == "transfer-away.com");
    CHECK(r.notifications.at(0).status.type == "notify");  // trStatus pending
    CHECK(r.notifications.at(0).data_json.find("\"acID\":\"ClientY\"") != std::string::npos);
    CHECK(r.notifications.at(0).data_json.find("\"reID\":\"ClientX\"") != std::string::npos);

    r = parse_fixture("samples/payloads/epp-contact_create-pandata-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).object.type == "contact");  // from the default namespace
    CHECK(r.notifications.at(0).object.value == "23022508");
    CHECK(r.notifications.at(0).status.type == "success");
    CHECK(r.notifications.at(0).stid == "20240701-app2-5150");

    r = parse_fixture("samples/payloads/epp-host_update-infdata-extension-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& h = r.notifications.at(0);
    CHECK(h.object.type == "host");
    CHECK(h.object.value == "ns1.example-host.net");
    CHECK(h.status.code == "S0102008");
    CHECK(h.status.type == "success");
    CHECK(h.type == "DomainNameserverUpdate");
    CHECK(h.ctid == "host-update-99");
    CHECK(h.data_json.find("\"extension\":{\"job\":{") != std::string::npos);
}

namespace {
void check_same_record(const ParseResult& j, const ParseResult& x, const ParseResult& e) {
    REQUIRE(j.status == ParseStatus::ok);
    REQUIRE(x.status == ParseStatus::ok);
    REQUIRE(e.status == ParseStatus::ok);
    for (const ParseResult* other : {&x, &e}) {
        const Notification& a = j.notifications.at(0);
        const Notification& b = other->notifications.at(0);
        CHECK(a.key == b.key);
        CHECK(a.id == b.id);
        CHECK(a.kind == b.kind);
        CHECK(a.type == b.type);
        CHECK(a.task == b.task);
        CHECK(a.status.type == b.status.type);
        CHECK(a.status.code == b.status.code);
        CHECK(a.status.text == b.status.text);
        CHECK(a.object.type == b.object.type);
        CHECK(a.object.value == b.object.value);
        CHECK(a.stid == b.stid);
        CHECK(a.ctid == b.ctid);
        CHECK(a.job_id == b.job_id);
        CHECK(a.created == b.created);
    }
}
}  // namespace

TEST_CASE("epp: one record across formats (JSON, XML and EPP of one message)", "[parse_epp]") {
    // AutoDNS's miscData system message (no transaction ids in EPP, none in the others).
    const std::string json = R"({"stid": "poll-1", "status": {"code": "S0905", "type": "SUCCESS"},
 "object": {"type": "Message", "value": "880178"},
 "data": [{"id": 880178, "created": "2017-07-14T06:52:19.000Z",
   "job": {"status": "SUCCESS"},
   "status": {"code": "S0104001", "type": "SUCCESS",
              "text": "The incoming domain transfer (ACK) has been completed successfully."},
   "object": {"type": "Domain", "value": "epp-transfer-test001.me"}}]})";
    const std::string xml = R"(<response><result><data><summary>1</summary><message>
  <id>880178</id><job><status><code>S0104001</code><type>success</type>
  <text>The incoming domain transfer (ACK) has been completed successfully.</text>
  <object><type>domain</type><value>epp-transfer-test001.me</value></object></status>
  </job><created>2017-07-14T06:52:19Z</created></message></data>
  <status><code>S0905</code><type>success</type></status></result></response>)";
    check_same_record(parse_text(json), parse_text(xml),
                      parse_fixture("samples/payloads/eppdoc-transfer_ack-poll.xml"));

    // A pending action with its transaction ids (seed 001's EPP panData message).
    const std::string json2 = R"({"data": [{"id": 880369, "created": "2017-07-14T13:46:33Z",
   "stid": "20170731-app1-10001", "ctid": "EXAMPLE-123456789",
   "job": {"status": "SUCCESS"}, "status": {"type": "SUCCESS"},
   "object": {"type": "domain", "value": "domain.com"}}]})";
    const std::string xml2 = R"(<response><result><data><message><id>880369</id>
  <job><status><type>success</type><object><type>domain</type><value>domain.com</value></object>
  </status><stid>20170731-app1-10001</stid><ctid>EXAMPLE-123456789</ctid></job>
  <created>2017-07-14T13:46:33Z</created></message></data>
  <status><code>S0905</code><type>success</type></status></result></response>)";
    check_same_record(parse_text(json2), parse_text(xml2),
                      parse_fixture("samples/payloads/001-epp-poll-reply.xml"));
}

TEST_CASE("job_id is an integer in JSON and XML alike", "[parse_epp]") {
    const ParseResult j = parse_fixture("samples/payloads/001-domaincreate-poll.json");
    const ParseResult x = parse_fixture("samples/payloads/001-domaincreate-poll.xml");
    REQUIRE(j.status == ParseStatus::ok);
    REQUIRE(x.status == ParseStatus::ok);
    CHECK(j.notifications.at(0).job_id == std::int64_t{4295609745});
    CHECK(x.notifications.at(0).job_id == std::int64_t{4295625406});
    const ParseResult s = parse_text(R"({"id": 5, "job": {"id": "4295609745"},
      "status": {"code": "S0101", "type": "SUCCESS"}, "object": {"type": "domain", "value": "a.de"}})");
    REQUIRE(s.status == ParseStatus::ok);
    CHECK(s.notifications.at(0).job_id == std::int64_t{4295609745});  // digit string
}

TEST_CASE("a success reply that lists jobs or objects is not a notification", "[parse_epp]") {
    auto r = parse_fixture("samples/payloads/list-certificate_jobs-reply.json");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("S400110") != std::string::npos);
    r = parse_fixture("samples/payloads/list-jobs-reply.xml");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("S0105") != std::string::npos);
}

TEST_CASE("epp frames: greeting, result codes, msgQ, garbage", "[parse_epp]") {
    util::Expected<EppFrame> g = inspect_epp_frame(
        R"(<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><greeting><svID>x</svID><svcMenu><version>1.0</version><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><svcExtension><extURI>urn:org:domainrobot:ns:ext-1.0</extURI></svcExtension></svcMenu></greeting></epp>)");
    REQUIRE(g);
    CHECK(g->greeting);
    CHECK(g->obj_uris == std::vector<std::string>{"urn:ietf:params:xml:ns:domain-1.0"});
    CHECK(g->ext_uris == std::vector<std::string>{"urn:org:domainrobot:ns:ext-1.0"});
    const std::string poll = read_file(source_path("samples/payloads/001-epp-poll-reply.xml"));
    util::Expected<EppFrame> p = inspect_epp_frame(poll);
    REQUIRE(p);
    CHECK(p->result_code == 1301);
    CHECK(p->msgq_id == 880369);
    CHECK(p->msgq_count == 1);
    util::Expected<EppFrame> a =
        inspect_epp_frame(read_file(source_path("samples/payloads/001-epp-ack-reply.xml")));
    REQUIRE(a);
    CHECK(a->result_code == 1000);
    CHECK(inspect_epp_frame("\x01 not xml").error() == "not an XML document");
    CHECK(inspect_epp_frame("<epp><response><result/></response></epp>").error() ==
          "EPP response without a result code");
    CHECK(inspect_epp_frame("<response/>").error() == "root element <response> is not <epp>");
    CHECK_FALSE(inspect_epp_frame(poll.substr(0, poll.size() / 2)));
}
