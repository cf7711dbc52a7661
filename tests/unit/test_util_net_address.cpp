// util/net_address: address allow-lists and listen addresses (the parts of serve that need
// no socket; the HTTP behaviour is tested in tests/integration/).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "util/net_address.hpp"

using namespace autodns;

namespace {

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
