"""The independent side of the JOSE interoperability check: Python's jwcrypto verifies and decrypts
what Ura signs and encrypts, and produces JWS and JWE that Ura must verify and decrypt.

usage: jwcrypto_check.py verify-ours DIR | make-theirs DIR
"""
import json, sys
from jwcrypto import jwk, jws, jwe
from jwcrypto.common import json_encode

def key(d, name):
    with open(f"{d}/{name}.jwk") as f:
        return jwk.JWK(**json.load(f))

def verify_ours(d):
    payload = open(f"{d}/payload.json", "rb").read()
    for name in ["ed25519", "p256-sig"]:
        token = jws.JWS()
        token.deserialize(open(f"{d}/ours-{name}.jws").read())
        token.verify(key(d, name).public())  # raises on failure
        assert token.payload == payload, f"{name}: payload differs"
        print(f"jwcrypto verified Ura's {token.jose_header['alg']} signature ({name})")
    plaintext = open(f"{d}/plaintext.txt", "rb").read()
    for name in ["x25519", "p256", "p384"]:
        token = jwe.JWE()
        token.deserialize(open(f"{d}/ours.jwe").read(), key=key(d, name))
        assert token.payload == plaintext, f"{name}: plaintext differs"
        print(f"jwcrypto decrypted Ura's 3-recipient JWE with the {name} key")

def make_theirs(d):
    payload = open(f"{d}/payload.json", "rb").read()
    for name, alg in [("ed25519", "EdDSA"), ("p256-sig", "ES256")]:
        token = jws.JWS(payload)
        k = key(d, name)
        token.add_signature(k, None, json_encode({"alg": alg, "kid": k.thumbprint()}))
        open(f"{d}/theirs-{name}.jws", "w").write(token.serialize(compact=False))
    plaintext = open(f"{d}/plaintext.txt", "rb").read()
    token = jwe.JWE(plaintext, protected=json_encode({"enc": "A256GCM"}))
    for name in ["x25519", "p256", "p384"]:
        k = key(d, name)
        token.add_recipient(k.public(), header=json_encode({"alg": "ECDH-ES+A256KW", "kid": k.thumbprint()}))
    open(f"{d}/theirs.jwe", "w").write(token.serialize(compact=False))
    print("jwcrypto produced EdDSA and ES256 signatures and a 3-recipient ECDH-ES+A256KW/A256GCM JWE")

{"verify-ours": verify_ours, "make-theirs": make_theirs}[sys.argv[1]](sys.argv[2])
