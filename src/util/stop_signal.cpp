#include "util/stop_signal.hpp"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <ctime>

namespace autodns::util {
namespace {

sigset_t stop_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

StopSignal::StopSignal(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {
    static_assert(sizeof(sigset_t) <= sizeof(old_mask_), "sigset_t does not fit");
    const sigset_t set = stop_set();
    sigset_t old;
    if (pthread_sigmask(SIG_BLOCK, &set, &old) == 0) {
        std::memcpy(old_mask_, &old, sizeof old);
        mask_saved_ = true;
    }
    watcher_ = std::thread([this] {
        const sigset_t watched = stop_set();
        while (!quit_) {
            const timespec tick{0, 200 * 1000 * 1000};
            const int sig = sigtimedwait(&watched, nullptr, &tick);
            if (sig > 0) {
                signal_ = sig;
                request_stop();
            }
        }
    });
}

StopSignal::~StopSignal() {
    quit_ = true;
    if (watcher_.joinable()) watcher_.join();
    if (mask_saved_) {
        sigset_t old;
        std::memcpy(&old, old_mask_, sizeof old);
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
}

void StopSignal::request_stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
    }
    cv_.notify_all();
    std::call_once(once_, [this] {
        if (on_stop_) on_stop_();
    });
}

bool StopSignal::wait_for(double seconds) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                        [this] { return stopped_.load(); });
}

}  // namespace autodns::util
