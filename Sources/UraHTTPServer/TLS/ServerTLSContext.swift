import COpenSSL
import UraCrypto
import UraHTTPCore

/// The SSL_CTX of an HTTPS listener: certificate chain, key, protocol floor, ciphers and the
/// client-certificate policy. Built at start and again by `HTTPServer.reloadTLS`; event loops
/// create one SSL per connection.
final class ServerTLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and only read afterwards (SSL_new),
    // which OpenSSL documents as safe from several threads.
    private let context: OpaquePointer
    /// The certificate this context serves.
    let served: ServedCertificate

    init(_ configuration: TLSConfiguration) throws(TLSSetupError) {
        OpenSSL.clearErrors()
        // Read before the SSL_CTX exists: every stored property is set once it does, so a later
        // throw frees it (deinit).
        let chain = try configuration.certificateChain.loadCertificates()
        served = ServedCertificate(sha256Fingerprint: (try? chain[0].sha256Fingerprint()) ?? "", notAfter: chain[0].notAfter)
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSSetupError("cannot create a TLS server context: \(OpenSSL.drainErrors())")
        }
        self.context = context
        let minimum = configuration.minimumVersion == .tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard ura_ssl_ctx_set_min_proto_version(context, minimum) == 1 else {
            throw TLSSetupError("cannot set the minimum TLS version: \(OpenSSL.drainErrors())")
        }
        _ = SSL_CTX_set_options(context, ura_ssl_op_no_renegotiation | ura_ssl_op_cipher_server_preference | ura_ssl_op_no_compression)
        // Send exactly the configured chain: without this OpenSSL completes it from the store,
        // which holds the *client* CAs, and would send their roots along.
        // Release each connection's read and write buffers (about 34 KB) whenever they are empty:
        // most connections are idle keep-alive ones, which would otherwise hold them for nothing.
        _ = ura_ssl_ctx_set_mode(context, Int(SSL_MODE_NO_AUTO_CHAIN) | Int(SSL_MODE_RELEASE_BUFFERS))
        guard SSL_CTX_set_cipher_list(context, configuration.cipherList) == 1 else {
            throw TLSSetupError("the TLS 1.2 cipher list \"\(configuration.cipherList)\" selects no cipher: \(OpenSSL.drainErrors())")
        }
        // No session resumption: a resumed session keeps its first handshake's verdict on the
        // client certificate, which would stay accepted after it expired, for the ticket's lifetime.
        // Connections are long-lived keep-alive ones, so a full handshake each costs little.
        _ = SSL_CTX_set_options(context, ura_ssl_op_no_ticket)
        _ = SSL_CTX_set_num_tickets(context, 0)
        _ = ura_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))

        guard SSL_CTX_use_certificate(context, chain[0].pointer) == 1 else {
            throw TLSSetupError("cannot use the server certificate from \(configuration.certificateChain.label): \(OpenSSL.drainErrors())")
        }
        for intermediate in chain.dropFirst() {
            guard ura_ssl_ctx_add1_chain_cert(context, intermediate.pointer) == 1 else {
                throw TLSSetupError("cannot add an intermediate certificate from \(configuration.certificateChain.label): \(OpenSSL.drainErrors())")
            }
        }
        let key = try configuration.privateKey.loadPrivateKey()
        guard X509_check_private_key(chain[0].pointer, key.pointer) == 1 else {
            OpenSSL.clearErrors()
            throw TLSSetupError("the private key from \(configuration.privateKey.label) does not match the certificate from \(configuration.certificateChain.label)")
        }
        guard SSL_CTX_use_PrivateKey(context, key.pointer) == 1 else {
            throw TLSSetupError("cannot use the private key from \(configuration.privateKey.label): \(OpenSSL.drainErrors())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSSetupError("the private key from \(configuration.privateKey.label) does not match the certificate from \(configuration.certificateChain.label)")
        }

        if let authorities = configuration.clientCertificateAuthorities {
            let certificates = try authorities.loadCertificates()
            guard let store = SSL_CTX_get_cert_store(context) else {
                throw TLSSetupError("the TLS context has no certificate store: \(OpenSSL.drainErrors())")
            }
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate.pointer) == 1,
                      SSL_CTX_add_client_CA(context, certificate.pointer) == 1 else {
                    throw TLSSetupError("cannot trust the client CA from \(authorities.label): \(OpenSSL.drainErrors())")
                }
            }
            // Ask for a certificate but never abort the handshake over it: the verdict is
            // reported per request (PeerCertificate) so the application can explain a refusal.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, { preverified, store in
                // OpenSSL keeps the last error of an overridden chain; the first one is the
                // cause ("unable to get local issuer certificate"), so keep that on the SSL.
                if preverified == 0, let store,
                   let raw = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()) {
                    let ssl = OpaquePointer(raw)
                    if SSL_get_ex_data(ssl, ServerTLSContext.firstVerifyErrorSlot) == nil {
                        let code = Int(X509_STORE_CTX_get_error(store))
                        _ = SSL_set_ex_data(ssl, ServerTLSContext.firstVerifyErrorSlot, UnsafeMutableRawPointer(bitPattern: code))
                    }
                }
                return 1
            })
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        OpenSSL.clearErrors()
    }

    deinit { SSL_CTX_free(context) }

    /// The SSL ex-data slot (0, "app data") where the verify callback leaves the first
    /// verification error of the chain as an integer; this module owns every SSL it creates.
    static let firstVerifyErrorSlot: Int32 = 0

    /// A server-side SSL over a pair of memory BIOs: the event loop moves ciphertext between the
    /// socket and the BIOs itself, so it controls every syscall.
    func makeConnection() -> OpaquePointer? {
        guard let ssl = SSL_new(context) else { return nil }
        guard let (input, output) = Self.makeMemoryBIOs() else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, input, output)
        SSL_set_accept_state(ssl)
        return ssl
    }

    /// Swaps the connection's memory BIOs for new, empty ones when both are drained. A memory
    /// BIO keeps the capacity of the most it ever held (the handshake's flights, a large request
    /// or response), which an idle connection would otherwise carry until it closes. Does nothing
    /// while either holds bytes, or when no BIO can be allocated (the old ones stay).
    static func releaseBIOBuffers(_ ssl: OpaquePointer) {
        guard let input = SSL_get_rbio(ssl), let output = SSL_get_wbio(ssl),
              BIO_ctrl_pending(input) == 0, BIO_ctrl_pending(output) == 0, SSL_has_pending(ssl) == 0,
              let (newInput, newOutput) = makeMemoryBIOs() else { return }
        SSL_set_bio(ssl, newInput, newOutput)  // frees the old pair
    }

    private static func makeMemoryBIOs() -> (input: OpaquePointer, output: OpaquePointer)? {
        guard let input = BIO_new(BIO_s_mem()) else { return nil }
        guard let output = BIO_new(BIO_s_mem()) else {
            BIO_free(input)
            return nil
        }
        _ = ura_bio_set_mem_eof_return(input, -1)
        _ = ura_bio_set_mem_eof_return(output, -1)
        return (input, output)
    }
}
