// SHA-256 via OpenSSL's EVP interface, as lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace shoal {

std::string sha256_hex(std::string_view data);

}  // namespace shoal
