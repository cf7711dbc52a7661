// A value, or the reason there is none: the result of a call that can fail for a reason the
// caller reports (C++17 has no std::expected). Nothing project-specific.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace autodns::util {

// The reason of a failed call, to return as an Expected<T> of any T:
// `return util::Failure{"'x' is not a number"};`
struct Failure {
    std::string reason;
};

template <class T>
class Expected {
  public:
    // Implicit on purpose: `return value;` and `return Failure{...};` both make one.
    Expected(T value) : value_(std::move(value)) {}
    Expected(Failure failure) : reason_(std::move(failure.reason)) {}

    bool has_value() const { return value_.has_value(); }
    explicit operator bool() const { return has_value(); }

    // The value. Asking a failed result for it is a programming error: std::logic_error
    // naming the reason.
    T& value() & { return checked(); }
    const T& value() const& { return const_cast<Expected*>(this)->checked(); }
    T&& value() && { return std::move(checked()); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Why there is no value; empty when there is one.
    const std::string& error() const { return reason_; }

  private:
    T& checked() {
        if (!value_) throw std::logic_error("no value: " + reason_);
        return *value_;
    }

    std::optional<T> value_;
    std::string reason_;
};

}  // namespace autodns::util
