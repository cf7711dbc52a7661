// Address allow-lists, credential helpers and poll-reply inspection (the parts of serve and
// poll that need no socket; the HTTP behaviour is tested in tests/integration/).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "parse/poll_reply.hpp"
#include "util/net_address.hpp"
#include "util/secret.hpp"

using namespace autodns;

namespace {

std::string sample(const std::string& name) {
    std::ifstream in(std::string(AUTODNS_SOURCE_DIR) + "/samples/payloads/" + name,
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool allowed(const std::vector<std::string>& ranges, const std::string& address) {
    std::vector<util::AddressRange> parsed;
    for (const auto& r : ranges) parsed.push_back(*util::parse_address_range(r));
    return util::address_allowed(parsed, address);
}

}  // namespace

TEST_CASE("address ranges match IPv4, IPv6 and IPv4-mapped peers", "[net]") {
    CHECK(allowed({"62.116.129.216"}, "62.116.129.216"));
    CHECK_FALSE(allowed({"62.116.129.216"}, "62.116.129.217"));
    CHECK(allowed({"127.0.0.0/8"}, "127.1.2.3"));
    CHECK(allowed({"127.0.0.0/8"}, "::ffff:127.0.0.1"));
    CHECK_FALSE(allowed({"127.0.0.0/8"}, "128.0.0.1"));
    CHECK(allowed({"::1"}, "::1"));
    CHECK_FALSE(allowed({"::1"}, "127.0.0.1"));
    CHECK(allowed({"2001:db8::/32"}, "2001:db8:1::5"));
    CHECK_FALSE(allowed({"2001:db8::/32"}, "2001:db9::5"));
    CHECK(allowed({"10.0.0.0/9"}, "10.127.255.255"));
    CHECK_FALSE(allowed({"10.0.0.0/9"}, "10.128.0.0"));
    CHECK(allowed({"0.0.0.0/0"}, "203.0.113.9"));
    CHECK_FALSE(allowed({"127.0.0.0/8"}, "not-an-address"));
    CHECK_FALSE(allowed({"127.0.0.0/8"}, ""));
}

TEST_CASE("malformed ranges are refused", "[net]") {
    for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "::/129", "1.2.3", "1.2.3.4/", "/8",
                            "example.com", "1.2.3.4/x", "::1/-1"}) {
        INFO(bad);
        CHECK_FALSE(util::parse_address_range(bad));
    }
}

TEST_CASE("listen addresses", "[net]") {
    auto a = util::parse_host_port("127.0.0.1:8080");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 8080);
    auto b = util::parse_host_port("[::1]:0");
    REQUIRE(b);
    CHECK(b->host == "::1");
    CHECK(b->port == 0);
    CHECK_FALSE(util::parse_host_port("::1"));
    CHECK_FALSE(util::parse_host_port("127.0.0.1"));
    CHECK_FALSE(util::parse_host_port("127.0.0.1:65536"));
    CHECK_FALSE(util::parse_host_port(":80"));
}

TEST_CASE("credential helpers", "[net]") {
    CHECK(util::base64_encode("autodns:s3cret pass") == "YXV0b2RuczpzM2NyZXQgcGFzcw==");
    CHECK(util::base64_encode("a") == "YQ==");
    CHECK(util::base64_encode("ab") == "YWI=");
    CHECK(util::base64_encode("") == "");
    CHECK(util::constant_time_equal("abc", "abc"));
    CHECK_FALSE(util::constant_time_equal("abc", "abd"));
    CHECK_FALSE(util::constant_time_equal("abc", "abcd"));
    CHECK_FALSE(util::constant_time_equal("", "a"));
    CHECK(util::constant_time_equal("", ""));
}

TEST_CASE("poll replies: both JSON shapes and XML give the message id", "[net]") {
    const PollReply a = inspect_poll_reply(sample("001-domaincreate-poll.json"));
    CHECK(a.readable);
    CHECK(a.format == "json");
    CHECK(a.succeeded());
    CHECK(a.status_code == std::optional<std::string>("S0905"));
    CHECK(a.message_count == 1);
    CHECK(a.ids == std::vector<std::int64_t>{1819917});

    const PollReply b = inspect_poll_reply(sample("003-autoupdate_dns_success-poll.json"));
    CHECK(b.message_count == 1);
    CHECK(b.ids == std::vector<std::int64_t>{1005491836});
    CHECK(b.summary == std::optional<std::int64_t>(1));

    const PollReply c = inspect_poll_reply(sample("001-domaincreate-poll.xml"));
    CHECK(c.readable);
    CHECK(c.format == "xml");
    CHECK(c.succeeded());
    CHECK(c.ids == std::vector<std::int64_t>{1855680});
}

TEST_CASE("poll replies: empty queue, confirm replies, errors, garbage", "[net]") {
    const PollReply empty = inspect_poll_reply(
        R"({"stid":"x","status":{"code":"S0905","type":"SUCCESS"},"object":{"summary":0}})");
    CHECK(empty.readable);
    CHECK(empty.succeeded());
    CHECK(empty.message_count == 0);
    CHECK(empty.summary == std::optional<std::int64_t>(0));

    const PollReply confirm_json = inspect_poll_reply(sample("001-confirm-reply.json"));
    CHECK(confirm_json.succeeded());
    CHECK(confirm_json.status_code == std::optional<std::string>("S0906"));
    CHECK(confirm_json.message_count == 0);

    const PollReply confirm_xml = inspect_poll_reply(sample("001-confirm-reply.xml"));
    CHECK(confirm_xml.readable);
    CHECK(confirm_xml.succeeded());
    CHECK(confirm_xml.message_count == 0);

    const PollReply error = inspect_poll_reply(
        "<response><result><status><code>E0011</code><type>error</type><text>Authentication "
        "failed.</text></status></result></response>");
    CHECK(error.readable);
    CHECK_FALSE(error.succeeded());
    CHECK(error.status_text == std::optional<std::string>("Authentication failed."));

    CHECK_FALSE(inspect_poll_reply("\x01\x02 garbage \xff").readable);
    CHECK_FALSE(inspect_poll_reply(R"({"status": {"code": "S0905")").readable);
    CHECK_FALSE(inspect_poll_reply("<response><result>").readable);
    CHECK_FALSE(inspect_poll_reply("").readable);
    CHECK_FALSE(inspect_poll_reply(std::string(100000, '[')).readable);
}
