// parse/poll_reply: what the poll clients read from a reply (message id, empty queue,
// confirmations, errors), without a socket.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "parse/poll_reply.hpp"

using namespace autodns;

namespace {

std::string sample(const std::string& name) {
    std::ifstream in(std::string(AUTODNS_SOURCE_DIR) + "/samples/payloads/" + name,
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

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
