// Wrappers for libcrypto macros (owned by UraCrypto).
#ifndef URA_CRYPTO_SHIMS_H
#define URA_CRYPTO_SHIMS_H
#include <openssl/crypto.h>
#include <openssl/bio.h>

static inline void ura_openssl_free(void *p) { OPENSSL_free(p); }
static inline long ura_bio_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
#endif
