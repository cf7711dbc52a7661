#include <catch2/catch.hpp>

#include <regex>

#include "core/notification.hpp"
#include "parse/record_json.hpp"

using namespace autodns;

TEST_CASE("keys: id when present, stable sha256 otherwise", "[core]") {
    Notification a;
    a.id = 1005491836;
    assign_key(a);
    CHECK(a.key == "id:1005491836");

    Notification b;
    b.kind = "notify";
    b.type = "zone_deleted";
    b.object = {std::string("zone"), std::string("example.com")};
    b.created = "2024-12-30T12:00:00Z";
    assign_key(b);
    Notification c = b;
    c.format = Format::xml;  // same notification in another format: same key
    assign_key(c);
    CHECK(b.key.rfind("sha256:", 0) == 0);
    CHECK(b.key.size() == 7 + 64);
    CHECK(b.key == c.key);
    c.object.value = "example.org";
    assign_key(c);
    CHECK(b.key != c.key);
}

TEST_CASE("sha256 matches the FIPS 180-2 test vector", "[core]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("record JSON round-trips every field", "[core]") {
    Notification n;
    n.id = 42;
    n.kind = "job";
    n.type = "DomainCreate";
    n.task = "0101";
    n.status = {std::string("success"), std::string("S0101"), std::nullopt};
    n.object = {std::string("domain"), std::string("example.com")};
    n.owner = {std::string("user"), 4};
    n.stid = "20181015-app1-3788";
    n.job_id = 4295625406;
    n.created = "2018-10-15T12:03:02Z";
    n.format = Format::xml;
    n.data_json = R"({"name":"example.com"})";
    assign_key(n);
    const std::string text = record_to_json(n);
    const Notification back = record_from_json(text);
    CHECK(record_to_json(back) == text);
    CHECK(back.owner.context == 4);
    CHECK(back.status.text == std::nullopt);
    CHECK(text.find("\"ctid\":null") != std::string::npos);
}

TEST_CASE("record: job_id is an integer, an older digit-string job_id reads back as one",
          "[core]") {
    Notification n;
    n.id = 5;
    n.kind = "job";
    n.job_id = 4295625406;
    assign_key(n);
    std::string text = record_to_json(n);
    CHECK(text.find("\"job_id\":4295625406") != std::string::npos);
    const std::string old_text =
        std::regex_replace(text, std::regex("\"job_id\":4295625406"), "\"job_id\":\"4295625406\"");
    REQUIRE(old_text != text);
    CHECK(record_from_json(old_text).job_id == 4295625406);
}
