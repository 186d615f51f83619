/// UraHTTP: the HTTPS server (sockets + OpenSSL TLS) and the outbound client (libcurl).
public enum UraHTTP {}
