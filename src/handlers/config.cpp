#include "handlers/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "core/errors.hpp"
#include "util/numbers.hpp"
#include "util/words.hpp"

namespace autodns {
namespace {

constexpr const char* handler_prefix = "handler.";
constexpr const char* dispatch_prefix = "dispatch.";

// The keys of a [handler.NAME] section: those of every kind, and each kind's own.
const std::vector<std::string>& common_handler_keys() {
    static const std::vector<std::string> keys = {
        "kind", "kinds", "types", "statuses", "max-attempts", "backoff", "backoff-max", "timeout"};
    return keys;
}

const std::map<HandlerKind, std::set<std::string>>& own_handler_keys() {
    static const std::map<HandlerKind, std::set<std::string>> keys = {
        {HandlerKind::exec, {"command"}},
        {HandlerKind::jsonl, {"path"}},
        {HandlerKind::http, {"url", "header"}},
    };
    return keys;
}

bool valid_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

// Errors name the file, the section and the key: "config file F: [handler.x] timeout: ...".
class SectionReader {
  public:
    SectionReader(std::string source, std::string section)
        : source_(std::move(source)), section_(std::move(section)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& why) const {
        std::string where =
            source_.empty() ? std::string("configuration") : "config file " + source_;
        where += ": [" + section_ + "]";
        if (!key.empty()) where += " " + key;
        throw FatalError(where + ": " + why);
    }

    // The one value of a single-valued key.
    const std::string& single(const std::string& key,
                              const std::vector<std::string>& values) const {
        if (values.size() != 1) fail(key, "given " + std::to_string(values.size()) + " times");
        return values.front();
    }

    long integer(const std::string& key, const std::vector<std::string>& values, long min, long max,
                 const char* what) const {
        const util::Expected<long> n = util::parse_bounded(single(key, values), min, max, what);
        if (!n) fail(key, n.error());
        return *n;
    }

    double seconds(const std::string& key, const std::vector<std::string>& values,
                   double max) const {
        const std::string& text = single(key, values);
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno != 0 || !(v >= 0) || v > max) {
            fail(key, "'" + text + "' is not a number of seconds (0-" +
                          std::to_string(static_cast<long>(max)) + ")");
        }
        return v;
    }

  private:
    std::string source_;
    std::string section_;
};

// "transfer_* domain_away", "a, b": words separated by blanks or commas, every line composing.
std::vector<std::string> list_values(const std::vector<std::string>& values) {
    std::vector<std::string> items;
    for (const std::string& v : values) {
        std::string item;
        for (char c : v + " ") {
            if (c == ' ' || c == '\t' || c == ',') {
                if (!item.empty()) items.push_back(item);
                item.clear();
            } else {
                item += c;
            }
        }
    }
    return items;
}

void parse_url(const SectionReader& reader, const std::string& url) {
    const std::string scheme = "http://";
    if (url.compare(0, 8, "https://") == 0) {
        reader.fail("url",
                    "'" + url +
                        "': https is not supported by this build; POST to an internal http:// "
                        "endpoint or through a local TLS proxy");
    }
    if (url.compare(0, scheme.size(), scheme) != 0) {
        reader.fail("url", "'" + url + "' is not an http:// URL");
    }
    const std::string rest = url.substr(scheme.size());
    const std::string authority = rest.substr(0, rest.find('/'));
    if (authority.empty()) reader.fail("url", "'" + url + "' names no host");
    if (url.find_first_of(" \t\r\n") != std::string::npos) {
        reader.fail("url", "'" + url + "' contains blanks");
    }
}

HandlerSpec read_handler(const std::string& name,
                         const std::map<std::string, std::vector<std::string>>& keys,
                         const std::string& source) {
    const SectionReader reader(source, handler_prefix + name);
    if (!valid_name(name)) {
        reader.fail("", "a handler name may hold only letters, digits, '-' and '_'");
    }
    HandlerSpec spec;
    spec.name = name;
    auto kind_it = keys.find("kind");
    if (kind_it == keys.end()) reader.fail("", "missing 'kind' (exec, jsonl or http)");
    const std::string& kind = reader.single("kind", kind_it->second);
    if (kind == "exec")
        spec.kind = HandlerKind::exec;
    else if (kind == "jsonl")
        spec.kind = HandlerKind::jsonl;
    else if (kind == "http")
        spec.kind = HandlerKind::http;
    else
        reader.fail("kind", "unknown kind '" + kind + "' (exec, jsonl or http)");
    spec.timeout_seconds = spec.kind == HandlerKind::http ? 10 : 30;

    const std::set<std::string> common(common_handler_keys().begin(), common_handler_keys().end());
    const std::map<HandlerKind, std::set<std::string>>& own = own_handler_keys();
    for (const auto& [key, values] : keys) {
        if (common.count(key) == 0 && own.at(spec.kind).count(key) == 0) {
            bool other_kind = false;
            for (const auto& [k, set] : own) other_kind = other_kind || set.count(key) > 0;
            reader.fail(key,
                        other_kind ? "not an option of kind " + kind : std::string("unknown key"));
        }
        if (key == "kinds") {
            spec.selector.kinds = list_values(values);
        } else if (key == "types") {
            spec.selector.types = list_values(values);
        } else if (key == "statuses") {
            spec.selector.statuses = list_values(values);
        } else if (key == "max-attempts") {
            spec.max_attempts =
                static_cast<int>(reader.integer(key, values, 1, 1000, "a number of attempts"));
        } else if (key == "backoff") {
            spec.backoff_seconds =
                static_cast<int>(reader.integer(key, values, 1, 86400, "a number of seconds"));
        } else if (key == "backoff-max") {
            spec.backoff_max_seconds =
                static_cast<int>(reader.integer(key, values, 1, 604800, "a number of seconds"));
        } else if (key == "timeout") {
            spec.timeout_seconds =
                static_cast<int>(reader.integer(key, values, 1, 3600, "a number of seconds"));
        } else if (key == "command") {
            auto words = util::split_words(reader.single(key, values));
            if (!words) reader.fail(key, words.error());
            if (words->empty() || words->front().empty()) reader.fail(key, "empty command");
            const std::string& program = words->front();
            if (program.front() != '/' && program.find('/') != std::string::npos) {
                reader.fail(key, "'" + program +
                                     "': give the program as an absolute path or as a name "
                                     "looked up in PATH (the working directory of a mail "
                                     "filter is not predictable)");
            }
            spec.argv = std::move(*words);
        } else if (key == "path") {
            spec.path = reader.single(key, values);
            if (spec.path.empty() || spec.path.front() != '/') {
                reader.fail(key, "'" + spec.path + "' is not an absolute path");
            }
        } else if (key == "url") {
            spec.url = reader.single(key, values);
            parse_url(reader, spec.url);
        } else if (key == "header") {
            for (const std::string& line : values) {
                const std::size_t colon = line.find(':');
                std::string field = line.substr(0, colon);
                while (!field.empty() && field.back() == ' ') field.pop_back();
                const bool token =
                    !field.empty() && std::all_of(field.begin(), field.end(), [](unsigned char c) {
                        return std::isalnum(c) || c == '-' || c == '_';
                    });
                if (colon == std::string::npos || !token) {
                    reader.fail(key, "'" + line + "' is not 'Name: value'");
                }
                std::string value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                if (value.find_first_of("\r\n") != std::string::npos) {
                    reader.fail(key, "'" + line + "' holds a line break");
                }
                spec.headers.emplace_back(field, value);
            }
        }
    }
    if (spec.backoff_max_seconds < spec.backoff_seconds) {
        reader.fail("backoff-max",
                    "is less than backoff (" + std::to_string(spec.backoff_seconds) + ")");
    }
    switch (spec.kind) {
        case HandlerKind::exec:
            if (spec.argv.empty()) reader.fail("", "missing 'command' (required for kind exec)");
            break;
        case HandlerKind::jsonl:
            if (spec.path.empty()) reader.fail("", "missing 'path' (required for kind jsonl)");
            break;
        case HandlerKind::http:
            if (spec.url.empty()) reader.fail("", "missing 'url' (required for kind http)");
            break;
    }
    return spec;
}

}  // namespace

const HandlerSpec* Handlers::find(const std::string& name) const {
    for (const HandlerSpec& s : specs) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::vector<std::string> Handlers::names() const {
    std::vector<std::string> names;
    for (const HandlerSpec& s : specs) names.push_back(s.name);
    return names;
}

int Handlers::lease_seconds() const {
    if (settings.lease_seconds > 0) return settings.lease_seconds;
    int worst = 0;
    for (const HandlerSpec& s : specs) worst = std::max(worst, worst_case_seconds(s));
    return worst + 60;
}

const std::vector<std::string>& dispatch_keys() {
    static const std::vector<std::string> keys = {"lease", "interval", "mail-deadline",
                                                  "import-deadline"};
    return keys;
}

std::vector<std::string> handler_keys() {
    std::set<std::string> keys(common_handler_keys().begin(), common_handler_keys().end());
    for (const auto& entry : own_handler_keys())
        keys.insert(entry.second.begin(), entry.second.end());
    return {keys.begin(), keys.end()};
}

Handlers load_handlers(const std::map<std::string, std::vector<std::string>>& sections,
                       const std::string& source) {
    std::map<std::string, std::map<std::string, std::vector<std::string>>> by_name;
    Handlers handlers;
    const SectionReader dispatch(source, "dispatch");
    for (const auto& [full_key, values] : sections) {
        if (full_key.compare(0, 8, handler_prefix) == 0) {
            const std::string rest = full_key.substr(8);
            const std::size_t dot = rest.rfind('.');
            if (dot == std::string::npos) {
                SectionReader(source, "handler")
                    .fail(rest, "handler sections need a name: [handler.NAME]");
            }
            by_name[rest.substr(0, dot)][rest.substr(dot + 1)] = values;
        } else if (full_key.compare(0, 9, dispatch_prefix) == 0) {
            const std::string key = full_key.substr(9);
            if (key == "lease") {
                handlers.settings.lease_seconds = static_cast<int>(
                    dispatch.integer(key, values, 2, 86400, "a number of seconds"));
            } else if (key == "interval") {
                handlers.settings.interval_seconds = static_cast<int>(
                    dispatch.integer(key, values, 1, 86400, "a number of seconds"));
            } else if (key == "mail-deadline") {
                handlers.settings.mail_deadline = dispatch.seconds(key, values, 3600);
            } else if (key == "import-deadline") {
                handlers.settings.import_deadline = dispatch.seconds(key, values, 86400 * 7);
            } else {
                std::string list;
                for (const std::string& k : dispatch_keys()) list += (list.empty() ? "" : ", ") + k;
                dispatch.fail(key, "unknown key (" + list + ")");
            }
        }
    }
    for (const auto& [name, keys] : by_name) {
        handlers.specs.push_back(read_handler(name, keys, source));
    }
    if (handlers.settings.lease_seconds > 0) {
        for (const HandlerSpec& s : handlers.specs) {
            if (handlers.settings.lease_seconds <= worst_case_seconds(s)) {
                dispatch.fail("lease", std::to_string(handlers.settings.lease_seconds) +
                                           " s is not longer than the worst-case delivery time of "
                                           "handler " +
                                           s.name + " (" + std::to_string(worst_case_seconds(s)) +
                                           " s)");
            }
        }
    }
    return handlers;
}

}  // namespace autodns
