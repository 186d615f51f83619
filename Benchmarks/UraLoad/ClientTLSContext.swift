import COpenSSL
import UraCrypto
import UraHTTPCore
import UraHTTPServer

/// An SSL_CTX for client connections: trust, optional client certificate, TLS 1.2 minimum.
final class ClientTLSContext: @unchecked Sendable {
    // @unchecked: configured in init, then only used to create SSL objects (thread-safe).
    let context: OpaquePointer

    init(certificate: PEMSource?, key: PEMSource?, trust: PEMSource?) throws(TLSSetupError) {
        OpenSSL.clearErrors()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSSetupError("cannot create a TLS client context: \(OpenSSL.drainErrors())")
        }
        self.context = context
        _ = ura_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION)
        _ = ura_ssl_ctx_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        ura_ssl_ctx_set_read_ahead(context, 1)
        if let trust {
            guard let store = SSL_CTX_get_cert_store(context) else { throw TLSSetupError("the TLS context has no certificate store") }
            for certificate in try trust.loadCertificates() where X509_STORE_add_cert(store, certificate.pointer) != 1 {
                throw TLSSetupError("cannot trust the CA from \(trust.label): \(OpenSSL.drainErrors())")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let certificate, let key {
            let chain = try certificate.loadCertificates()
            let privateKey = try key.loadPrivateKey()
            guard SSL_CTX_use_certificate(context, chain[0].pointer) == 1,
                  chain.dropFirst().allSatisfy({ ura_ssl_ctx_add1_chain_cert(context, $0.pointer) == 1 }),
                  SSL_CTX_use_PrivateKey(context, privateKey.pointer) == 1, SSL_CTX_check_private_key(context) == 1 else {
                throw TLSSetupError("cannot use the client certificate from \(certificate.label) with the key from \(key.label): \(OpenSSL.drainErrors())")
            }
        }
    }

    deinit { SSL_CTX_free(context) }
}
