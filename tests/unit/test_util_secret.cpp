// util/secret: credential helpers of serve and poll.
#include <catch2/catch.hpp>

#include <string>

#include "util/secret.hpp"

using namespace autodns;

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
