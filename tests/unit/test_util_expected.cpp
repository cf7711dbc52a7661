// util/expected: a value, or the reason there is none.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/expected.hpp"

using autodns::util::Expected;
using autodns::util::Failure;

namespace {

Expected<int> half(int n) {
    if (n % 2 != 0) return Failure{std::to_string(n) + " is odd"};
    return n / 2;
}

}  // namespace

TEST_CASE("expected: a value reads as true and gives the value, with no reason", "[expected]") {
    const Expected<int> r = half(8);
    REQUIRE(r);
    CHECK(r.has_value());
    CHECK(*r == 4);
    CHECK(r.value() == 4);
    CHECK(r.error().empty());
}

TEST_CASE("expected: a failure reads as false and keeps its reason", "[expected]") {
    const Expected<int> r = half(7);
    CHECK_FALSE(r);
    CHECK_FALSE(r.has_value());
    CHECK(r.error() == "7 is odd");
    // Asking a failure for its value is a programming error, reported with the reason.
    CHECK_THROWS_WITH(r.value(), "no value: 7 is odd");
    CHECK_THROWS_AS(*r, std::logic_error);
}

TEST_CASE("expected: values are moved in and out, members reached through ->", "[expected]") {
    Expected<std::vector<std::string>> words(std::vector<std::string>{"a", "b"});
    CHECK(words->size() == 2);
    words->push_back("c");
    const std::vector<std::string> taken = std::move(words).value();
    CHECK(taken == std::vector<std::string>{"a", "b", "c"});

    Expected<std::unique_ptr<int>> owned(std::make_unique<int>(5));  // move-only values
    REQUIRE(owned);
    CHECK(**owned == 5);
}
