// util/glob: the shell-style patterns of handler routes.

#include <catch2/catch.hpp>
#include <string>

#include "util/glob.hpp"

using namespace autodns;

TEST_CASE("handlers: glob patterns match whole names", "[handlers]") {
    CHECK(util::glob_match("transfer_*", "transfer_start"));
    CHECK(util::glob_match("transfer_*", "transfer_"));
    CHECK_FALSE(util::glob_match("transfer_*", "domain_transfer_start"));
    CHECK(util::glob_match("*_error", "autoupdate_deferred_error"));
    CHECK_FALSE(util::glob_match("*_error", "autoupdate_deferred_error2"));
    CHECK(util::glob_match("E01??", "E0102"));
    CHECK_FALSE(util::glob_match("E01??", "E010"));
    CHECK(util::glob_match("[EN]0*", "N0102"));
    CHECK_FALSE(util::glob_match("[!EN]0*", "N0102"));
    CHECK(util::glob_match("[a-c]x", "bx"));
    CHECK(util::glob_match("a\\*", "a*"));
    CHECK_FALSE(util::glob_match("a\\*", "ab"));
    CHECK(util::glob_match("*", ""));
    CHECK_FALSE(util::glob_match("", "a"));
    CHECK(util::glob_match("Domain*", "DomainCreate"));
    CHECK_FALSE(util::glob_match("domain*", "DomainCreate"));  // case-sensitive
    // Many stars against a long non-match stays fast (no exponential backtracking).
    CHECK_FALSE(util::glob_match("*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}
