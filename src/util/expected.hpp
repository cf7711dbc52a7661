// A value, or the reason there is none: the result of a call that can fail for a reason the
// caller reports (C++17 has no std::expected). Nothing project-specific.
//
//   Expected<T>            a T, or a reason (a string): `return util::Failure{"..."};`
//   Expected<T, E>         a T, or an error of type E that callers take apart (util::FileError
//                          carries the step and the errno): `return E{...};`
//   Expected<void[, E]>    success, or the reason: `return {};` for success
//
// Results are [[nodiscard]]: a call whose failure is deliberately ignored says so with
// static_cast<void> and a comment.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace autodns::util {

// The reason of a failed call, to return as an Expected<T> of any T:
// `return util::Failure{"'x' is not a number"};`
struct Failure {
    std::string reason;
};

namespace expected_detail {

// The error an Expected<T, E> holds: a reason string (made from a Failure) or an E.
template <class E>
class ErrorSlot {
  public:
    ErrorSlot() = default;
    explicit ErrorSlot(E error) : error_(std::move(error)) {}
    const E& error() const { return error_; }
    [[noreturn]] void throw_no_value() const {
        if constexpr (std::is_same_v<E, std::string>) throw std::logic_error("no value: " + error_);
        throw std::logic_error("no value");
    }

  private:
    E error_{};
};

template <class E>
constexpr bool is_reason = std::is_same_v<E, std::string>;

}  // namespace expected_detail

template <class T, class E = std::string>
class [[nodiscard]] Expected {
  public:
    // Implicit on purpose: `return value;` and `return Failure{...};` (or `return E{...};`)
    // both make one.
    Expected(T value) : value_(std::move(value)) {}
    template <class F = E, std::enable_if_t<expected_detail::is_reason<F>, int> = 0>
    Expected(Failure failure) : error_(std::move(failure.reason)) {}
    template <class F = E, std::enable_if_t<!expected_detail::is_reason<F>, int> = 0>
    Expected(E error) : error_(std::move(error)) {}

    bool has_value() const { return value_.has_value(); }
    explicit operator bool() const { return has_value(); }

    // The value. Asking a failed result for it is a programming error: std::logic_error
    // (naming the reason when the error is one).
    T& value() & { return checked(); }
    const T& value() const& { return const_cast<Expected*>(this)->checked(); }
    T&& value() && { return std::move(checked()); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Why there is no value; empty (a default E) when there is one.
    const E& error() const { return error_.error(); }

  private:
    T& checked() {
        if (!value_) error_.throw_no_value();
        return *value_;
    }

    std::optional<T> value_;
    expected_detail::ErrorSlot<E> error_;
};

// Success without a value, or the reason.
template <class E>
class [[nodiscard]] Expected<void, E> {
  public:
    Expected() = default;  // success
    template <class F = E, std::enable_if_t<expected_detail::is_reason<F>, int> = 0>
    Expected(Failure failure) : failed_(true), error_(std::move(failure.reason)) {}
    template <class F = E, std::enable_if_t<!expected_detail::is_reason<F>, int> = 0>
    Expected(E error) : failed_(true), error_(std::move(error)) {}

    bool has_value() const { return !failed_; }
    explicit operator bool() const { return has_value(); }

    // Why the call failed; empty (a default E) when it succeeded.
    const E& error() const { return error_.error(); }

  private:
    bool failed_ = false;
    expected_detail::ErrorSlot<E> error_;
};

}  // namespace autodns::util
