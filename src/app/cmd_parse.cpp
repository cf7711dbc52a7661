// autodns-notify parse [FILE|-]... : normalized records as JSON lines, no database.
#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "ingest/pipeline.hpp"
#include "parse/record_json.hpp"
#include "util/io.hpp"
#include "util/log.hpp"

namespace autodns {

int cmd_parse(const Args& args) {
    po::options_description visible;
    visible.add(common_options()).add(mail_options());
    po::options_description hidden;
    hidden.add_options()("input", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("input", -1);
    Config config;
    po::variables_map vm = parse_command_line(args, all, positional, config);
    if (vm.count("help")) {
        print_help("autodns-notify parse [OPTIONS] [FILE|-]...",
                   "Reads each FILE (a raw mail as a mailbox holds it, or a bare JSON, XML or EPP\n"
                   "payload: push body or poll reply; '-' or none: standard input), finds the\n"
                   "AutoDNS notifications in it and prints one normalized record per line as\n"
                   "JSON. Nothing is stored. An input without a notification gets one line on\n"
                   "stderr naming it and the reason.",
                   visible,
                   {{exit_ok, "every input held a notification"},
                    {1, "bad configuration"},
                    {exit_usage, "usage"},
                    {exit_data, "some input held no notification"},
                    {exit_no_input, "an input could not be read"}});
        return exit_ok;
    }
    std::vector<std::string> inputs;
    if (vm.count("input")) inputs = vm["input"].as<std::vector<std::string>>();
    if (inputs.empty()) inputs.push_back("-");

    int status = exit_ok;
    for (const std::string& input : inputs) {
        util::Expected<std::string> raw =
            input == "-" ? util::read_stream(stdin) : util::read_file(input);
        const std::string name = input == "-" ? std::string("<stdin>") : input;
        if (!raw) {
            util::log_linef("parse", "%s: cannot read: %s", name.c_str(), raw.error().c_str());
            status = exit_no_input;
            continue;
        }
        if (raw->size() > config.max_input_bytes) {
            util::log_linef("parse", "%s: too large (%zu bytes, limit %zu)", name.c_str(),
                            raw->size(), config.max_input_bytes);
            if (status == exit_ok) status = exit_data;
            continue;
        }
        Analysis a =
            analyze_input(*raw, config.mail_policy, config.mime_limits, config.parse_limits);
        if (a.verdict != Verdict::notifications) {
            util::log_linef("parse", "%s: %s: %s", name.c_str(), verdict_name(a.verdict),
                            a.reason.c_str());
            if (status == exit_ok) status = exit_data;
            continue;
        }
        for (const Notification& n : a.notifications) std::cout << record_to_json(n) << '\n';
        if (config.verbosity > 0) {
            std::string from = a.origin.empty() ? std::string("the payload") : a.origin;
            for (const FoundPart& part : a.more_parts) from += ", " + part.origin;
            util::log_linef("parse", "%s: %zu notification(s) from %s", name.c_str(),
                            a.notifications.size(), from.c_str());
            for (const std::string& n : a.notes)
                util::log_linef("parse", "%s: note: %s", name.c_str(), n.c_str());
        }
    }
    std::cout.flush();
    return status;
}

}  // namespace autodns
