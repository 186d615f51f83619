// Wrappers for libcrypto macros Swift cannot import (owned by UraCrypto).
#ifndef URA_CRYPTO_SHIMS_H
#define URA_CRYPTO_SHIMS_H
#include <openssl/crypto.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

static inline void ura_openssl_free(void *p) { OPENSSL_free(p); }
static inline long ura_bio_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
static inline int ura_evp_pkey_keypair(void) { return EVP_PKEY_KEYPAIR; }
static inline int ura_evp_pkey_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
#endif
