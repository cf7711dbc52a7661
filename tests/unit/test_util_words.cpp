// util/words: handler commands split into argv like a simple shell command, never more.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "util/words.hpp"

using namespace autodns;

namespace {

std::vector<std::string> words(const std::string& text) {
    auto w = util::split_words(text);
    REQUIRE(w);
    return *w;
}

std::string split_error(const std::string& text) {
    auto w = util::split_words(text);
    REQUIRE_FALSE(w);
    return w.error();
}

}  // namespace

TEST_CASE("handlers: command words split like a simple shell command, never more", "[handlers]") {
    CHECK(words("/usr/bin/logger -t autodns") ==
          std::vector<std::string>{"/usr/bin/logger", "-t", "autodns"});
    CHECK(words("  a\t b  ") == std::vector<std::string>{"a", "b"});
    CHECK(words("cmd 'two words' \"and three here\"") ==
          std::vector<std::string>{"cmd", "two words", "and three here"});
    CHECK(words("a'b'\"c\"d") == std::vector<std::string>{"abcd"});
    CHECK(words("x '' \"\"") == std::vector<std::string>{"x", "", ""});
    CHECK(words(R"(say \"hi\" a\ b)") == std::vector<std::string>{"say", "\"hi\"", "a b"});
    CHECK(words(R"("a \"q\" \\ \x")") == std::vector<std::string>{R"(a "q" \ \x)"});
    CHECK(words("'$HOME' `id` ; rm -rf / | cat > f") ==
          std::vector<std::string>{"$HOME", "`id`", ";", "rm", "-rf", "/", "|", "cat", ">", "f"});
    CHECK(words("'it'\\''s'") == std::vector<std::string>{"it's"});
    CHECK(words("").empty());
    CHECK(split_error("a 'b") == "unterminated single quote");
    CHECK(split_error("a \"b") == "unterminated double quote");
    CHECK(split_error("a \\") == "backslash at the end");

    const std::vector<std::string> tricky = {"/bin/x", "two words", "it's", "", "$HOME"};
    CHECK(words(util::join_words(tricky)) == tricky);
}
