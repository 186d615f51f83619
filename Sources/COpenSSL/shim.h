// The OpenSSL 3 headers Ura uses, plus static inline wrappers for the macros Swift cannot import.
// UraCrypto owns ura_crypto_shims.h (libcrypto); UraHTTP owns ura_tls_shims.h (libssl).
#ifndef URA_COPENSSL_SHIM_H
#define URA_COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/ssl.h>
#include "ura_crypto_shims.h"
#include "ura_tls_shims.h"
#endif
