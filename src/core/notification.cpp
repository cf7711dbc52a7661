#include "core/notification.hpp"

#include <nettle/sha2.h>

#include <cstdint>

namespace autodns {

const char* format_name(Format f) {
    switch (f) {
        case Format::json:
            return "json";
        case Format::xml:
            return "xml";
        case Format::epp:
            return "epp";
        case Format::standard:
            return "standard";
    }
    return "json";
}

const char* channel_name(Channel c) {
    switch (c) {
        case Channel::mail:
            return "mail";
        case Channel::push:
            return "push";
        case Channel::poll:
            return "poll";
        case Channel::file:
            return "file";
    }
    return "mail";
}

std::optional<Channel> channel_from_name(const std::string& name) {
    for (Channel c : {Channel::mail, Channel::push, Channel::poll, Channel::file}) {
        if (name == channel_name(c)) return c;
    }
    return std::nullopt;
}

std::string sha256_hex(const std::string& bytes) {
    // nettle rather than OpenSSL 3: no provider or configuration loading on first use, which
    // costs a one-mail-per-process filter about 2 ms.
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&context, sizeof digest, digest);
    static const char hex_digits[] = "0123456789abcdef";
    std::string hex(2 * SHA256_DIGEST_SIZE, '0');
    for (std::size_t i = 0; i < SHA256_DIGEST_SIZE; ++i) {
        hex[2 * i] = hex_digits[digest[i] >> 4];
        hex[2 * i + 1] = hex_digits[digest[i] & 0x0f];
    }
    return hex;
}

void assign_key(Notification& n) {
    if (n.id) {
        n.key = "id:" + std::to_string(*n.id);
        return;
    }
    std::string material = n.kind;
    for (const auto* part : {&n.type, &n.object.type, &n.object.value, &n.created}) {
        material += '\n';
        material += part->value_or("");
    }
    n.key = "sha256:" + sha256_hex(material);
}

}  // namespace autodns
