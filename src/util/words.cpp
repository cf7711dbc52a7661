#include "util/words.hpp"

namespace autodns::util {

Expected<std::vector<std::string>> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has started (it may still be empty: "")
    auto fail = [](const char* why) -> Expected<std::vector<std::string>> { return Failure{why}; };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            const std::size_t end = text.find('\'', i + 1);
            if (end == std::string_view::npos) return fail("unterminated single quote");
            word.append(text.substr(i + 1, end - i - 1));
            in_word = true;
            i = end;
        } else if (c == '"') {
            std::size_t j = i + 1;
            for (;; ++j) {
                if (j >= text.size()) return fail("unterminated double quote");
                if (text[j] == '"') break;
                if (text[j] == '\\' && j + 1 < text.size() &&
                    (text[j + 1] == '"' || text[j + 1] == '\\' || text[j + 1] == '$' ||
                     text[j + 1] == '`')) {
                    ++j;
                }
                word += text[j];
            }
            in_word = true;
            i = j;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) return fail("backslash at the end");
            word += text[++i];
            in_word = true;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::string join_words(const std::vector<std::string>& words) {
    std::string line;
    for (const std::string& w : words) {
        if (!line.empty()) line += ' ';
        const bool plain = !w.empty() && w.find_first_not_of(
                                             "abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_./:=,+@%") == std::string::npos;
        if (plain) {
            line += w;
            continue;
        }
        line += '\'';
        for (char c : w) {
            if (c == '\'')
                line += "'\\''";
            else
                line += c;
        }
        line += '\'';
    }
    return line;
}

}  // namespace autodns::util
