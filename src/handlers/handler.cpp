#include "handlers/handler.hpp"

namespace autodns {

const char* handler_kind_name(HandlerKind kind) {
    switch (kind) {
        case HandlerKind::exec:
            return "exec";
        case HandlerKind::jsonl:
            return "jsonl";
        case HandlerKind::http:
            return "http";
    }
    return "?";
}

int worst_case_seconds(const HandlerSpec& spec) {
    switch (spec.kind) {
        case HandlerKind::exec:
            return spec.timeout_seconds + 2;  // the timeout, then SIGTERM and 1 s before SIGKILL
        case HandlerKind::jsonl:
            return 30;  // a local append and fsync; waits for the file lock at most this long
        case HandlerKind::http:
            return 3 * spec.timeout_seconds;  // connect, send and receive each
    }
    return spec.timeout_seconds;
}

std::unique_ptr<Handler> make_handler(const HandlerSpec& spec) {
    switch (spec.kind) {
        case HandlerKind::exec:
            return make_exec_handler(spec);
        case HandlerKind::jsonl:
            return make_jsonl_handler(spec);
        case HandlerKind::http:
            return make_http_handler(spec);
    }
    return nullptr;
}

}  // namespace autodns
