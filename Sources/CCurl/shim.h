// libcurl, with typed wrappers for its variadic setopt/getinfo (Swift cannot call C variadics).
#ifndef URA_CCURL_SHIM_H
#define URA_CCURL_SHIM_H
#include <curl/curl.h>
#include <sys/socket.h>
static inline CURLcode ura_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ura_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ura_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ura_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode ura_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

/// The shape of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*ura_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode ura_curl_setopt_write_function(CURL *h, ura_curl_data_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode ura_curl_setopt_header_function(CURL *h, ura_curl_data_callback f) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
/// Sets a blob option (CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB, CURLOPT_CAINFO_BLOB); curl copies the bytes.
static inline CURLcode ura_curl_setopt_blob_copy(CURL *h, CURLoption o, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}
/// Every socket curl opens is close-on-exec from its creation: a child process started meanwhile (the
/// browser `ura desk --open` starts, a test's urad) must not inherit a connection and hold it open
/// after curl has closed it.
static inline curl_socket_t ura_curl_open_socket_cloexec(void *context, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)context; (void)purpose;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}
static inline CURLcode ura_curl_setopt_cloexec_sockets(CURL *h) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, ura_curl_open_socket_cloexec);
}
#endif
