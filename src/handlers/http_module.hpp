// The C interface between the http handler (http.cpp) and the module that does the HTTP work
// with cpp-httplib (http_module.cpp, built as autodns-notify-http.so).
//
// Why a module: Debian's cpp-httplib is a shared library linked against OpenSSL, zlib and
// brotli; linking it into the program would load all of them into every `mail` filter process
// (measured: +25 ms per process on a loaded 2-core machine, several times the filter's own
// cost). dlopen() loads it only when an http handler actually delivers.
#pragma once

#include <cstddef>

extern "C" {

struct AutodnsHttpRequest {
    const char* origin;          // "http://host:port"
    const char* path;            // "/hook"
    const char* const* headers;  // name, value, name, value, ...
    std::size_t header_count;    // number of pairs
    const char* body;
    std::size_t body_size;
    const char* content_type;
    long long timeout_usec;  // for connecting, sending and receiving each
};

struct AutodnsHttpResponse {
    int status;            // HTTP status when the call returned 0
    char error[256];       // why there is no response, when it returned non-zero
    char body_start[256];  // the first bytes of the response body, NUL-terminated
};

// POSTs the request without following redirects. 0: a response came (see status); else error.
int autodns_http_post(const AutodnsHttpRequest* request, AutodnsHttpResponse* response);
typedef int (*AutodnsHttpPostFunction)(const AutodnsHttpRequest*, AutodnsHttpResponse*);
}

// The module's file name, looked up next to the executable, then in AUTODNS_MODULE_DIR.
#define AUTODNS_HTTP_MODULE_NAME "autodns-notify-http.so"
