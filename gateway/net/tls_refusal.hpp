#pragma once
// Why a TLS handshake was refused, kept on its SSL object: the certificate check (exchange/tls)
// decides, the listener that ran the handshake reports it once, with the client's address.

#include <openssl/ssl.h>

#include <optional>
#include <string>

namespace tsunagi::net {

struct HandshakeRefusal {
  std::string reason;  ///< "pin-mismatch", "revoked", "untrusted-ca", …
  std::string detail;  ///< one line for the log (certificate subject, never request content)
};

/// Records the refusal on `ssl` (the first one of a handshake wins).
void setHandshakeRefusal(SSL* ssl, HandshakeRefusal refusal);
std::optional<HandshakeRefusal> handshakeRefusal(const SSL* ssl);
void clearHandshakeRefusal(SSL* ssl);

}  // namespace tsunagi::net
