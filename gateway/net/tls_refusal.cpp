#include "gateway/net/tls_refusal.hpp"

namespace tsunagi::net {

namespace {

void freeRefusal(void*, void* data, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<HandshakeRefusal*>(data);
}

int refusalIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeRefusal);
  return index;
}

}  // namespace

void setHandshakeRefusal(SSL* ssl, HandshakeRefusal refusal) {
  if (!ssl || SSL_get_ex_data(ssl, refusalIndex())) return;
  SSL_set_ex_data(ssl, refusalIndex(), new HandshakeRefusal(std::move(refusal)));
}

std::optional<HandshakeRefusal> handshakeRefusal(const SSL* ssl) {
  const auto* r = static_cast<const HandshakeRefusal*>(SSL_get_ex_data(ssl, refusalIndex()));
  if (!r) return std::nullopt;
  return *r;
}

void clearHandshakeRefusal(SSL* ssl) {
  if (auto* r = static_cast<HandshakeRefusal*>(SSL_get_ex_data(ssl, refusalIndex()))) {
    delete r;
    SSL_set_ex_data(ssl, refusalIndex(), nullptr);
  }
}

}  // namespace tsunagi::net
