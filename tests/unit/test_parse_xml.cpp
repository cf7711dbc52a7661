#include <catch2/catch.hpp>

#include "parse/parse.hpp"
#include "parse_support.hpp"

using namespace autodns;
using autodns::testing::parse_fixture;
using autodns::testing::parse_text;

TEST_CASE("xml: generator job message with a contact object", "[parse_xml]") {
    const ParseResult r = parse_fixture("tests/data/gen-xml-job-contact.xml");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 1);
    const Notification& n = r.notifications[0];
    CHECK(n.key == "id:1005060229");
    CHECK(n.kind == "job");
    CHECK(n.type == "ContactUpdate");
    CHECK(n.task == "0302");
    CHECK(n.job_type == "contact_update");
    CHECK(n.job_id == 451056438);
    CHECK(n.ctid == "ctid-ecf8aae71b");
    CHECK(n.stid == "20240101-app5-12529");
    CHECK(n.status.type == "success");
    CHECK(n.status.text == "Contact was updated successfully.");
    CHECK(n.object.type == "contact");
    CHECK(n.object.value == "23256578");
    CHECK(n.owner.user == "customer4517");
    CHECK(n.owner.context == 4);
    CHECK(n.created == "2024-01-01T23:32:41Z");  // 2024-01-02 00:32:41 CET
    CHECK(n.format == Format::xml);
    CHECK(n.data_json.find("\"city\":\"L\xC3\xBC"
                           "beck\"") != std::string::npos);
}

TEST_CASE("xml: generator notify messages, bare and poll-wrapped", "[parse_xml]") {
    ParseResult r = parse_fixture("tests/data/gen-xml-notify.xml");
    REQUIRE(r.status == ParseStatus::ok);
    Notification n = r.notifications.at(0);
    CHECK(n.id == 1005056904);
    CHECK(n.kind == "notify");
    CHECK(n.type == "autoupdate_dns_error");
    CHECK(n.task == std::nullopt);
    CHECK(n.object.type == "domain");
    CHECK(n.object.value == "suedlinie.de");
    CHECK(n.owner.user == "customer6991");
    CHECK(n.owner.context == 9);
    CHECK(n.stid == "20240101-app5-10046");
    CHECK(n.created == "2024-01-01T08:47:57Z");

    r = parse_fixture("tests/data/gen-xml-notify-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    n = r.notifications.at(0);
    CHECK(n.id == 1005059042);
    CHECK(n.type == "transfer_start");
    CHECK(n.stid == "20240101-app3-11759");
    CHECK(n.status.code == std::nullopt);  // S0905 is the poll call's
}

TEST_CASE("xml: generator poll-wrapped job with the domain inside job/object", "[parse_xml]") {
    const ParseResult r = parse_fixture("tests/data/gen-xml-job-poll.xml");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == 1005059090);
    CHECK(n.job_id == 451055983);
    CHECK(n.status.code == "S0105");
    CHECK(n.task == "0105");
    CHECK(n.type == std::nullopt);  // 0105 is not in the task table
    CHECK(n.job_type == "domain_renew");
    CHECK(n.object.value == "westreise.fr");
    CHECK(n.data_json.find("\"name\":\"westreise.fr\"") != std::string::npos);
    CHECK(n.data_json.find("\"nserver\":[") != std::string::npos);  // repeated -> array
}

TEST_CASE("xml: push body without <notify>: <type> makes it a notify", "[parse_xml]") {
    const ParseResult r = parse_text(R"(<message>
  <zone><origin>example.org</origin><soa><ttl>86400</ttl></soa></zone>
  <type>zone_deleted</type>
  <status><code>S0203</code><type>SUCCESS</type></status>
  <id>42</id><stid>st-42</stid><created>2021-10-31 02:30:00</created>
  <system_notify>  zone removed  </system_notify>
</message>)");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.kind == "notify");
    CHECK(n.type == "zone_deleted");
    CHECK(n.task == std::nullopt);
    CHECK(n.status.type == "success");
    CHECK(n.object.type == "zone");
    CHECK(n.object.value == "example.org");
    CHECK(n.created == "2021-10-31T00:30:00Z");  // ambiguous: the earlier instant
    CHECK(n.notice == "zone removed");
    CHECK(n.data_json == R"({"origin":"example.org","soa":{"ttl":"86400"}})");
}

TEST_CASE("xml: the documented imperfections are repaired", "[parse_xml]") {
    // Missing '<' before the root element.
    ParseResult r = parse_text(
        "message>\n<id>5</id><type>domain_away</type><domain><name>a.de</name></domain></"
        "message>\n");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).id == 5);
    CHECK(r.notifications.at(0).format == Format::xml);
    // nic_response written as a comment.
    r = parse_text(R"(<message><id>6</id><type>autoupdate_dns_error</type>
<nic_response>
  <!--[CDATA[line one
     line two]]-->
</nic_response></message>)");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).notice == "line one\nline two");
    // An ordinary comment is not text.
    r = parse_text(
        "<message><id>7</id><type>x</type><nic_response><!-- internal "
        "--></nic_response></message>");
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).notice == std::nullopt);
}

TEST_CASE("xml: bare <notification> without id", "[parse_xml]") {
    const ParseResult r = parse_text(
        "<notification> <type>zone_deleted</type> <zone>example.com</zone> "
        "<timestamp>2024-12-30T12:00:00Z</timestamp> </notification>");
    REQUIRE(r.status == ParseStatus::ok);
    const Notification& n = r.notifications.at(0);
    CHECK(n.id == std::nullopt);
    CHECK(n.object.type == "zone");
    CHECK(n.object.value == "example.com");
    CHECK(n.key ==
          "sha256:" + sha256_hex("notify\nzone_deleted\nzone\nexample.com\n2024-12-30T12:00:00Z"));
}

TEST_CASE("xml: several messages in one poll reply", "[parse_xml]") {
    const ParseResult r = parse_text(R"(<response><result><data>
  <message><id>1</id><notify><type>transfer_start</type><domain><name>a.de</name></domain><stid>n-1</stid></notify></message>
  <message><id>2</id><job><status><code>S0102002</code><type>success</type><object><type>domain</type><value>b.de</value></object></status><stid>n-2</stid><job_id>99</job_id></job></message>
</data><status><code>S0905</code><type>success</type></status></result><stid>poll</stid></response>)");
    REQUIRE(r.status == ParseStatus::ok);
    REQUIRE(r.notifications.size() == 2);
    CHECK(r.notifications[0].stid == "n-1");
    CHECK(r.notifications[0].object.value == "a.de");
    CHECK(r.notifications[1].type == "DomainStatusUpdate");
    CHECK(r.notifications[1].task == "0102002");
    CHECK(r.notifications[1].stid == "n-2");
    CHECK(r.notifications[1].job_id == 99);
}

TEST_CASE("xml: not notifications", "[parse_xml]") {
    auto r = parse_text(
        R"(<response><result><data><summary>0</summary><message><id>650664</id></message></data>
<status><code>S0906</code><type>success</type></status></result></response>)");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("S0906") != std::string::npos);
    r = parse_text(
        "<response><result><data><summary>0</summary></data><status><code>S0905</code></status></"
        "result></response>");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error.find("S0905") != std::string::npos);
    r = parse_text("<request><task><code>0905</code></task></request>");
    CHECK(r.status == ParseStatus::not_notification);
    CHECK(r.error == "XML root <request> is not a notification");
}

TEST_CASE("xml: strict where the meaning is unclear", "[parse_xml]") {
    auto r = parse_text("<message><notify><type>transfer_start</type></notify></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "<message> without <id>");
    r = parse_text("<message><id>0x1F</id><type>transfer_start</type></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("\"0x1F\"") != std::string::npos);
    r = parse_text(
        "<message><id>3</id><type>x</type><created>2021-03-28 02:30</created></message>");
    CHECK(r.status == ParseStatus::ok);  // nonexistent local time: shifted forward, not refused
    CHECK(r.notifications.at(0).created == "2021-03-28T01:30:00Z");
    r = parse_text("<message><id>3</id><type>x</type><created>28.03.2021</created></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.find("unreadable created time") != std::string::npos);
    r = parse_text("<message><id>1</id></message><message><id>2</id></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error == "a second XML document after the root element at byte 29");
}

TEST_CASE("xml: truncated and broken documents name the byte", "[parse_xml]") {
    const std::string doc = autodns::testing::read_file(
        autodns::testing::source_path("samples/payloads/003-autoupdate_deferred_success-push.xml"));
    auto r = parse_text(doc.substr(0, 500));
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.rfind("truncated XML at byte 500: ", 0) == 0);
    CHECK(r.error.find("not closed") != std::string::npos);
    r = parse_text("<message><id>1</id><\n");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error ==
          "truncated XML at byte 21: input ends inside a start tag with <message> not closed");
    r = parse_text("<message><id>1</id></mesage>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error ==
          "invalid XML at byte 19: end tag </mesage> at byte 19 does not close <message>");
    r = parse_text("<message><id a=\"1>x</id></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.rfind("truncated XML", 0) == 0);
    r = parse_text("<message><id>1</id><a b=1/></message>");
    CHECK(r.status == ParseStatus::malformed);
    CHECK(r.error.rfind("invalid XML at byte", 0) == 0);
}

TEST_CASE("xml: ISO-8859-1 bytes follow the declaration, UTF-8 bytes win over it", "[parse_xml]") {
    const std::string latin1 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><message><id>8</id><type>x</type>"
        "<domain><name>m\xFC"
        "ller.de</name></domain></message>";
    auto r = parse_text(latin1);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).object.value == "m\xC3\xBCller.de");
    const std::string utf8 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><message><id>8</id><type>x</type>"
        "<domain><name>m\xC3\xBCller.de</name></domain></message>";
    r = parse_text(utf8);
    REQUIRE(r.status == ParseStatus::ok);
    CHECK(r.notifications.at(0).object.value == "m\xC3\xBCller.de");
}
