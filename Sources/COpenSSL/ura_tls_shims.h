// Wrappers for libssl macros (owned by UraHTTP).
#ifndef URA_TLS_SHIMS_H
#define URA_TLS_SHIMS_H
#include <openssl/ssl.h>

static inline long ura_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long ura_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
#endif
