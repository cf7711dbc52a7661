#include "core/notification.hpp"

#include <openssl/evp.h>

#include <cstdio>

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
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex(length * 2, '0');
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(&hex[i * 2], 3, "%02x", digest[i]);
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
