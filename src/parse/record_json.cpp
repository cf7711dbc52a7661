// Record <-> JSON text. Part of the parse room, the only user of nlohmann/json.
#include "parse/record_json.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "parse/fields.hpp"

namespace autodns {
namespace {

using nlohmann::json;

template <typename T>
json opt(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

template <typename T>
std::optional<T> get_opt(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<T>();
}

Format format_from(const std::string& s) {
    for (Format f : {Format::json, Format::xml, Format::epp, Format::standard}) {
        if (s == format_name(f)) return f;
    }
    throw ItemError("unknown format \"" + s + "\" in record");
}

}  // namespace

std::string record_to_json(const Notification& n) {
    json j = json::object();
    j["key"] = n.key;
    j["id"] = opt(n.id);
    j["kind"] = n.kind;
    j["type"] = opt(n.type);
    j["task"] = opt(n.task);
    j["status"] = {
        {"type", opt(n.status.type)}, {"code", opt(n.status.code)}, {"text", opt(n.status.text)}};
    j["object"] = {{"type", opt(n.object.type)}, {"value", opt(n.object.value)}};
    j["owner"] = {{"user", opt(n.owner.user)}, {"context", opt(n.owner.context)}};
    j["stid"] = opt(n.stid);
    j["ctid"] = opt(n.ctid);
    j["job_id"] = opt(n.job_id);
    j["created"] = opt(n.created);
    j["notice"] = opt(n.notice);
    j["format"] = format_name(n.format);
    j["job_type"] = opt(n.job_type);
    j["data"] = json::parse(n.data_json, nullptr, /*allow_exceptions=*/false);
    if (j["data"].is_discarded()) j["data"] = nullptr;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Notification record_from_json(const std::string& text) {
    try {
        json j = json::parse(text);
        Notification n;
        n.key = j.at("key").get<std::string>();
        n.id = get_opt<std::int64_t>(j, "id");
        n.kind = j.at("kind").get<std::string>();
        n.type = get_opt<std::string>(j, "type");
        n.task = get_opt<std::string>(j, "task");
        const json& st = j.at("status");
        n.status = {get_opt<std::string>(st, "type"), get_opt<std::string>(st, "code"),
                    get_opt<std::string>(st, "text")};
        const json& ob = j.at("object");
        n.object = {get_opt<std::string>(ob, "type"), get_opt<std::string>(ob, "value")};
        const json& ow = j.at("owner");
        n.owner = {get_opt<std::string>(ow, "user"), get_opt<std::int64_t>(ow, "context")};
        n.stid = get_opt<std::string>(j, "stid");
        n.ctid = get_opt<std::string>(j, "ctid");
        // Records stored before job_id became an integer hold it as a digit string.
        if (auto it = j.find("job_id"); it != j.end() && it->is_string()) {
            n.job_id = parse_message_id(it->get<std::string>());
        } else {
            n.job_id = get_opt<std::int64_t>(j, "job_id");
        }
        n.created = get_opt<std::string>(j, "created");
        n.notice = get_opt<std::string>(j, "notice");
        n.format = format_from(j.at("format").get<std::string>());
        n.job_type = get_opt<std::string>(j, "job_type");
        n.data_json = j.contains("data") ? j["data"].dump() : "null";
        return n;
    } catch (const nlohmann::json::exception& e) {
        throw ItemError(std::string("bad record JSON: ") + e.what());
    }
}

}  // namespace autodns
