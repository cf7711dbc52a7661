// http handler: POSTs the record as JSON with an Idempotency-Key header; a 2xx answer is
// delivered, anything else (another status, no answer, a timeout) is retried. Redirects are
// not followed. The HTTP work happens in autodns-notify-http.so, loaded on first use
// (http_module.hpp).
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <mutex>

#include "handlers/handler.hpp"
#include "handlers/http_module.hpp"

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

// The module's entry point, or nullptr with `error` set. Loaded once per process.
util::Expected<AutodnsHttpPostFunction> load_module() {
    static std::once_flag once;
    static AutodnsHttpPostFunction function = nullptr;
    static std::string load_error;
    std::call_once(once, [] {
        std::vector<std::string> candidates;
        if (const char* path = std::getenv("AUTODNS_NOTIFY_HTTP_MODULE"); path && *path) {
            candidates.push_back(path);
        } else {
            char exe[PATH_MAX];
            const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            if (n > 0) {
                std::string dir(exe, static_cast<std::size_t>(n));
                dir.erase(dir.rfind('/') + 1);
                candidates.push_back(dir + AUTODNS_HTTP_MODULE_NAME);
            }
            candidates.push_back(std::string(AUTODNS_MODULE_DIR) + "/" + AUTODNS_HTTP_MODULE_NAME);
        }
        for (const std::string& path : candidates) {
            if (access(path.c_str(), F_OK) != 0) {
                load_error += (load_error.empty() ? "" : "; ") + path + ": not found";
                continue;
            }
            void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!module) {
                load_error += (load_error.empty() ? "" : "; ") + std::string(dlerror());
                continue;
            }
            function =
                reinterpret_cast<AutodnsHttpPostFunction>(dlsym(module, "autodns_http_post"));
            if (function) return;
            load_error += (load_error.empty() ? "" : "; ") + path + ": no autodns_http_post";
        }
    });
    if (!function) return util::Failure{"cannot load the HTTP module (" + load_error + ")"};
    return function;
}

class HttpHandler : public Handler {
  public:
    explicit HttpHandler(HandlerSpec spec) : spec_(std::move(spec)) {
        const std::string rest = spec_.url.substr(7);  // after "http://" (config.cpp checked)
        const std::size_t slash = rest.find('/');
        origin_ = "http://" + rest.substr(0, slash);
        path_ = slash == std::string::npos ? "/" : rest.substr(slash);
    }

    DeliveryResult deliver(const Delivery& delivery, Clock::time_point deadline) override {
        const auto post = load_module();
        if (!post) return util::Failure{post.error()};
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
        if (left.count() <= 0) return util::Failure{"no time left before the deadline"};
        // Each phase gets the handler's timeout, or what is left before the deadline.
        const auto phase =
            std::min<std::chrono::microseconds>(left, std::chrono::seconds(spec_.timeout_seconds));

        const std::string agent = std::string("autodns-notify/") + AUTODNS_VERSION;
        const std::string attempt = std::to_string(delivery.attempt);
        std::vector<const char*> headers = {"Idempotency-Key",   delivery.key.c_str(),
                                            "User-Agent",        agent.c_str(),
                                            "X-Autodns-Attempt", attempt.c_str()};
        for (const auto& [name, value] : spec_.headers) {
            headers.push_back(name.c_str());
            headers.push_back(value.c_str());
        }
        const AutodnsHttpRequest request{origin_.c_str(),
                                         path_.c_str(),
                                         headers.data(),
                                         headers.size() / 2,
                                         delivery.record_json.data(),
                                         delivery.record_json.size(),
                                         "application/json",
                                         static_cast<long long>(phase.count())};
        AutodnsHttpResponse response{};
        if ((*post)(&request, &response) != 0) {
            return util::Failure{"POST " + spec_.url + ": " + response.error};
        }
        if (response.status >= 200 && response.status < 300) return {};
        std::string body = response.body_start;
        for (char& c : body) {
            if (c == '\n' || c == '\r') c = ' ';
        }
        std::string error = "POST " + spec_.url + ": HTTP " + std::to_string(response.status);
        if (!body.empty()) error += ": " + body;
        return util::Failure{error};
    }

  private:
    HandlerSpec spec_;
    std::string origin_;
    std::string path_;
};

}  // namespace

std::unique_ptr<Handler> make_http_handler(const HandlerSpec& spec) {
    return std::make_unique<HttpHandler>(spec);
}

}  // namespace autodns
