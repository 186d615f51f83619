// Wrappers for libssl macros (owned by UraHTTP): Swift cannot import function-like macros.
#ifndef URA_TLS_SHIMS_H
#define URA_TLS_SHIMS_H
#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/tls1.h>
// The toolchain's Glibc module map leaves out epoll, eventfd and timerfd, which UraHTTP's event loops are
// built on; this is the one C header UraHTTP owns, so they are exposed from here.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <malloc.h>
/// glibc's malloc_trim: gives the free memory of every arena back to the kernel. Called only on
/// UraHTTPServer's trimming thread (`MemoryTrimmer`), never on an event loop; glibc's Swift
/// module map lacks malloc.h.
static inline int ura_malloc_trim(void) { return malloc_trim(0); }
/// accept4 is declared only under _GNU_SOURCE, which the Glibc module does not set. The address
/// is untyped here so this header need not include <sys/socket.h> (whose enums Swift must keep
/// seeing through Glibc).
static inline int ura_accept4(int fd, void *address, unsigned int *length, int flags) {
    return (int)syscall(SYS_accept4, fd, address, length, flags);
}

static inline long ura_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long ura_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long ura_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
/// Adds one intermediate certificate to the chain the server sends (takes its own reference).
static inline long ura_ssl_ctx_add1_chain_cert(SSL_CTX *ctx, X509 *cert) { return SSL_CTX_add1_chain_cert(ctx, cert); }
/// Lets SSL_read pull whole socket buffers instead of one record header at a time (fewer syscalls).
static inline void ura_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int yes) { SSL_CTX_set_read_ahead(ctx, yes); }
/// A memory BIO that is empty reports "retry" rather than end of file, so SSL_read says WANT_READ.
static inline long ura_bio_set_mem_eof_return(BIO *bio, int value) { return BIO_set_mem_eof_return(bio, value); }
/// Server Name Indication for client connections.
static inline long ura_ssl_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
/// Option bits are defined through a macro Swift does not import; these constants carry them.
static const uint64_t ura_ssl_op_no_renegotiation = SSL_OP_NO_RENEGOTIATION;
static const uint64_t ura_ssl_op_cipher_server_preference = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t ura_ssl_op_no_compression = SSL_OP_NO_COMPRESSION;
static const uint64_t ura_ssl_op_no_ticket = SSL_OP_NO_TICKET;

#endif
