// autodns-notify-http.so: the project's one user of cpp-httplib's client, loaded on demand by
// the http handler (http_module.hpp says why). Exceptions never cross the C interface.
#include "handlers/http_module.hpp"

#include <httplib.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void copy_text(char* out, std::size_t size, const std::string& text) {
    std::snprintf(out, size, "%s", text.c_str());
}

std::string error_text(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection:
            return "cannot connect (refused, unreachable or no such host)";
        case httplib::Error::ConnectionTimeout:
            return "connect timed out";
        case httplib::Error::Read:
            return "no complete response (read error, closed or timed out)";
        case httplib::Error::Write:
            return "cannot send the request (write error or timed out)";
        default:
            return httplib::to_string(error);
    }
}

}  // namespace

extern "C" int autodns_http_post(const AutodnsHttpRequest* request, AutodnsHttpResponse* response) {
    response->status = 0;
    response->error[0] = '\0';
    response->body_start[0] = '\0';
    try {
        httplib::Client client(request->origin);
        const time_t sec = static_cast<time_t>(request->timeout_usec / 1000000);
        const time_t usec = static_cast<time_t>(request->timeout_usec % 1000000);
        client.set_connection_timeout(sec, usec);
        client.set_read_timeout(sec, usec);
        client.set_write_timeout(sec, usec);
        client.set_follow_location(false);
        client.set_keep_alive(false);
        httplib::Headers headers;
        for (std::size_t i = 0; i < request->header_count; ++i) {
            headers.emplace(request->headers[2 * i], request->headers[2 * i + 1]);
        }
        httplib::Result result = client.Post(request->path, headers, request->body,
                                             request->body_size, request->content_type);
        if (!result) {
            copy_text(response->error, sizeof response->error, error_text(result.error()));
            return 1;
        }
        response->status = result->status;
        copy_text(response->body_start, sizeof response->body_start, result->body.substr(0, 200));
        return 0;
    } catch (const std::exception& e) {
        copy_text(response->error, sizeof response->error, e.what());
    } catch (...) {
        copy_text(response->error, sizeof response->error, "unknown error");
    }
    return 1;
}
