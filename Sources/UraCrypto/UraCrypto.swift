/// UraCrypto: JOSE (JWS, JWE, JWK) on OpenSSL 3. The only module that calls libcrypto.
public enum UraCrypto {}
