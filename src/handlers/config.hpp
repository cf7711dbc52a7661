// Handler configuration: the `[handler.NAME]` and `[dispatch]` sections of the INI file
// (docs/handlers.md is the reference). app/config.cpp hands over every key it does not know
// as "section.key" -> values; this file reads those of its own sections.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "handlers/handler.hpp"

namespace autodns {

// The `[dispatch]` section.
struct DispatchSettings {
    int lease_seconds = 0;       // 0: the longest handler's worst case + 60
    int interval_seconds = 30;   // dispatch --loop: pause between runs
    double mail_deadline = 5.0;  // mail: seconds for delivering the mail's records (0: none)
    double import_deadline = 0;  // import: seconds for delivering after the import (0: no limit)
};

struct Handlers {
    std::vector<HandlerSpec> specs;  // in name order; empty means store-only
    DispatchSettings settings;

    bool empty() const { return specs.empty(); }
    const HandlerSpec* find(const std::string& name) const;
    std::vector<std::string> names() const;
    int lease_seconds() const;  // settings.lease_seconds, or the default derived from specs
};

// Every key of a [handler.NAME] section (of any kind) and of [dispatch], sorted as listed.
std::vector<std::string> handler_keys();
const std::vector<std::string>& dispatch_keys();

// Reads the handler sections from `sections` (Config::sections). `source` names the file in
// messages. Throws FatalError (not temporary) naming the section and key for a bad section:
// unknown kind or key, missing required key, a value that does not parse.
Handlers load_handlers(const std::map<std::string, std::vector<std::string>>& sections,
                       const std::string& source);

}  // namespace autodns
