"""An example Ura client in Python, written from docs/wire-format.md and docs/api.md alone: no Ura
code, only jwcrypto and requests (both from PyPI). docs/integration.md walks through it.

It acts as two agencies of a gateway: the sender submits a form and checks the gateway's accepted
receipt (a signed receipt, or a ledger receipt when its receipts are signed per batch) and the
answer to the same message sent again; the recipient long-polls its inbox, verifies, decrypts,
checks the bindings and acknowledges with its own signed delivered receipt; the sender then reads that receipt from its
feed and checks that the message is in the ledger the gateway signed (an RFC 9162 inclusion proof).

usage: ura_client.py AGENCIES_DIR CA_FILE GATEWAY_URL SENDER RECIPIENT FORM.json TYPE CASE

AGENCIES_DIR holds one folder per agency as `ura admin enrol` and demo mode leave them:
tls.crt, tls.key (the client certificate), signing.key, encryption.key (PKCS#8 PEM) and
profile.json (whose `gateway_key` pins the gateway's signing key).
"""
import base64, datetime, hashlib, json, sys, uuid

import requests
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import json_encode


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Agency:
    """One agency's files and its HTTPS session with the gateway."""

    def __init__(self, folder: str, agency_id: str, ca: str, gateway: str):
        self.id = agency_id
        self.gateway = gateway.rstrip("/")
        self.http = requests.Session()
        self.http.cert = (f"{folder}/tls.crt", f"{folder}/tls.key")
        self.ca = ca  # passed on every request: requests lets REQUESTS_CA_BUNDLE override a session's verify
        with open(f"{folder}/signing.key", "rb") as f:
            self.signing = jwk.JWK.from_pem(f.read())
        with open(f"{folder}/encryption.key", "rb") as f:
            self.encryption = jwk.JWK.from_pem(f.read())
        with open(f"{folder}/profile.json") as f:
            pins = json.load(f)["gateway_key"]
        self.pinned = [pins] if isinstance(pins, str) else pins

    def call(self, method: str, path: str, body: bytes | None = None) -> requests.Response:
        headers = {"Content-Type": "application/jose+json"} if body is not None else {}
        response = self.http.request(method, self.gateway + path, data=body, headers=headers, timeout=60, verify=self.ca)
        if response.status_code >= 400:
            problem = response.json()
            raise SystemExit(f"{method} {path}: {response.status_code} {problem.get('type')}: {problem.get('detail')}")
        return response

    def sign(self, payload: dict, typ: str) -> bytes:
        """A flattened JWS: EdDSA, kid = the key's RFC 7638 thumbprint, typ naming what it is."""
        token = jws.JWS(json.dumps(payload, separators=(",", ":")).encode())
        token.add_signature(self.signing, None, json_encode({"alg": "EdDSA", "kid": self.signing.thumbprint(), "typ": typ}))
        return token.serialize(compact=False).encode()


class Directory:
    """The gateway's directory, fetched signed and checked against the pinned gateway key."""

    def __init__(self, agency: Agency):
        signed = agency.call("GET", "/v1/directory").json()
        header = json.loads(unb64u(signed["protected"]))
        if header.get("kid") not in agency.pinned:
            raise SystemExit(f"the directory is signed with {header.get('kid')}, which the profile does not pin")
        document = json.loads(unb64u(signed["payload"]))
        self.gateway_id = document["gateway"]["id"]
        self.gateway_keys = {k["kid"]: jwk.JWK(**k["jwk"]) for k in document["gateway"]["keys"] if k["use"] == "sig"}
        verify(signed, self.gateway_keys[header["kid"]], "ura-directory+json")
        self.agencies = {a["id"]: a for a in document["agencies"]}

    def keys(self, agency_id: str, use: str) -> dict:
        return {k["kid"]: jwk.JWK(**k["jwk"]) for k in self.agencies[agency_id]["keys"] if k["use"] == use}

    def signing_key(self, signer: str, kid: str) -> jwk.JWK:
        keys = self.gateway_keys if signer == self.gateway_id else self.keys(signer, "sig")
        if kid not in keys or keys[kid].thumbprint() != kid:
            raise SystemExit(f"{kid} is not a signing key the directory lists for {signer}")
        return keys[kid]


def verify(signed: dict, key: jwk.JWK, typ: str) -> dict:
    """Verifies a flattened JWS with `key` and returns its payload (raises when it does not verify)."""
    token = jws.JWS()
    token.deserialize(json.dumps(signed))
    token.verify(key)
    if token.jose_header.get("typ") != typ:
        raise SystemExit(f"expected typ {typ}, got {token.jose_header.get('typ')}")
    return json.loads(token.payload)


def digest(signed: dict) -> str:
    """base64url SHA-256 of the JWS signing input: what receipts name."""
    return b64u(hashlib.sha256(f"{signed['protected']}.{signed['payload']}".encode()).digest())


def seal(sender: Agency, directory: Directory, form: dict, kind: str, to: list[str], case: str) -> tuple[bytes, str]:
    """Encrypts the form to every current key of every recipient and signs the envelope around it."""
    message_id = str(uuid.uuid4())
    body = jwe.JWE(json.dumps(form).encode(), protected=json_encode({"enc": "A256GCM", "ura_msg": message_id}))
    for recipient in to:
        for kid, key in directory.keys(recipient, "enc").items():
            body.add_recipient(key, header=json_encode({"alg": "ECDH-ES+A256KW", "kid": kid}))
    body = json.loads(body.serialize(compact=False))
    if "recipients" not in body:  # jwcrypto writes the flattened form for one recipient; Ura takes the general one
        body["recipients"] = [{"header": body.pop("header"), "encrypted_key": body.pop("encrypted_key")}]
    created = datetime.datetime.now(datetime.timezone.utc)
    envelope = {
        "id": message_id, "type": kind, "from": sender.id, "to": to, "case": case, "subject": "adult", "priority": "urgent",
        "created": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "expires": (created + datetime.timedelta(days=30)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "body": body,
    }
    return sender.sign(envelope, "ura-message+json"), message_id


def check_receipt(receipt: dict, directory: Directory, kind: str, message_id: str, expected_digest: str) -> dict:
    header = json.loads(unb64u(receipt["protected"]))
    claimed = json.loads(unb64u(receipt["payload"]))
    signer = directory.gateway_id if kind in ("accepted", "failed") else claimed.get("recipient")
    payload = verify(receipt, directory.signing_key(signer, header["kid"]), "ura-receipt+json")
    assert payload["receipt"] == kind and payload["message"] == message_id and payload["by"] == signer, payload
    assert payload["digest"] == expected_digest, "the receipt names another digest"
    return payload


class TreeHeads:
    """Tree heads whose signature was checked, by their exact JSON: every ledger receipt of a commit
    batch carries the same head, so its signature is checked once."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.checked: dict[str, dict] = {}

    def payload(self, head: dict) -> dict:
        key = json.dumps(head, sort_keys=True)
        if key not in self.checked:
            kid = json.loads(unb64u(head["protected"]))["kid"]
            self.checked[key] = verify(head, self.directory.signing_key(self.directory.gateway_id, kid), "ura-tree-head+json")
        return self.checked[key]


def included(leaf: bytes, index: int, tree_size: int, path: list[str], root: str) -> bool:
    """True when the audit path leads from the leaf to the root (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < tree_size:
        return False
    node = hashlib.sha256(b"\x00" + leaf).digest()
    fn, sn = index, tree_size - 1
    for sibling in map(unb64u, path):
        if sn == 0:
            return False  # the path is longer than the tree
        if fn % 2 == 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and b64u(node) == root


def instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_ledger_receipt(receipt: dict, heads: TreeHeads, message_id: str, expected_digest: str) -> dict:
    """A receipt signed per batch (ura-ledger-receipt+json): the signed head, the leaf's audit path
    to its root, the leaf saying what the receipt claims, and the claims naming our message."""
    head = heads.payload(receipt["signed_head"])
    assert head["tree_size"] == receipt["tree_size"] and head["gateway"] == receipt["by"] == heads.directory.gateway_id, \
        f"the tree head is over {head['tree_size']} entries by {head['gateway']}, the receipt says {receipt['tree_size']} by {receipt['by']}"
    leaf = unb64u(receipt["leaf"])
    assert included(leaf, receipt["index"], receipt["tree_size"], receipt["path"], head["root"]), \
        f"the receipt's leaf {receipt['index']} is not in the tree the gateway signed"
    entry = json.loads(leaf)
    assert entry["kind"] == "message.accepted" and entry["index"] == receipt["index"], f"the leaf is a {entry['kind']} entry"
    assert entry["message"] == receipt["message"] and entry["data"]["digest"] == receipt["digest"] \
        and instant(entry["at"]) == instant(receipt["at"]), "the receipt claims what its leaf does not say"
    assert receipt["receipt"] == "accepted" and receipt["message"] == message_id, receipt
    assert receipt["digest"] == expected_digest, "the receipt names another digest"
    return receipt


def check_accepted(response: requests.Response, directory: Directory, heads: TreeHeads, message_id: str, expected_digest: str) -> str:
    """The answer to POST /v1/messages: a signed receipt (a JWS, application/jose+json) or, for an
    agency whose receipts are signed per batch, a ledger receipt (application/json). Says which."""
    body = response.json()
    if response.headers["Content-Type"].startswith("application/json") and body.get("typ") == "ura-ledger-receipt+json":
        check_ledger_receipt(body, heads, message_id, expected_digest)
        return f"ledger receipt (entry {body['index']} under the head over {body['tree_size']} entries)"
    check_receipt(body, directory, "accepted", message_id, expected_digest)
    return "signed receipt"


def receive(recipient: Agency, directory: Directory) -> list[tuple[dict, dict]]:
    """Long-polls the inbox; verifies, decrypts and checks each message, then acknowledges it."""
    received = []
    for item in recipient.call("GET", "/v1/inbox?wait=10&limit=10").json()["messages"]:
        signed = item["message"]
        header = json.loads(unb64u(signed["protected"]))
        claimed = json.loads(unb64u(signed["payload"]))
        envelope = verify(signed, directory.signing_key(claimed["from"], header["kid"]), "ura-message+json")
        assert recipient.id in envelope["to"] and digest(signed) == item["digest"]
        body = jwe.JWE()
        body.deserialize(json.dumps(envelope["body"]), key=recipient.encryption)
        # ura_msg is in the shared protected header, which the JWE's authentication tag covers.
        assert json.loads(unb64u(envelope["body"]["protected"]))["ura_msg"] == envelope["id"], "the body was encrypted for another message"
        form = json.loads(body.payload)
        assert form.get("case", envelope["case"]) == envelope["case"], "the body is about another case"
        # Kept (here: in memory) before it is acknowledged: a delivered receipt means the recipient holds it.
        received.append((envelope, form))
        ack = {"receipt": "delivered", "message": envelope["id"], "digest": item["digest"], "recipient": recipient.id, "at": now(), "by": recipient.id}
        recipient.call("POST", f"/v1/inbox/{envelope['id']}/ack", recipient.sign(ack, "ura-receipt+json"))
    return received


def in_ledger(agency: Agency, directory: Directory, message_id: str) -> int:
    """Checks the message's ledger entries against the tree head the gateway signed (RFC 9162 §2.1.3.2)."""
    proof = agency.call("GET", f"/v1/ledger/proof?message={message_id}").json()
    head = proof["signed_head"]
    signed_head = verify(head, directory.signing_key(directory.gateway_id, json.loads(unb64u(head["protected"]))["kid"]), "ura-tree-head+json")
    assert signed_head["tree_size"] == proof["tree_size"] and signed_head["root"] == proof["root"]
    for entry in proof["entries"]:
        assert included(unb64u(entry["leaf"]), entry["index"], proof["tree_size"], entry["path"], proof["root"]), \
            f"entry {entry['index']} is not in the signed tree"
    return len(proof["entries"])


def main(agencies_dir, ca, gateway, sender_id, recipient_id, form_file, kind, case):
    sender = Agency(f"{agencies_dir}/{sender_id}", sender_id, ca, gateway)
    recipient = Agency(f"{agencies_dir}/{recipient_id}", recipient_id, ca, gateway)
    directory = Directory(sender)
    with open(form_file) as f:
        form = json.load(f)
    form["case"] = case

    message, message_id = seal(sender, directory, form, kind, [recipient_id], case)
    heads = TreeHeads(directory)
    accepted = sender.call("POST", "/v1/messages", message)
    assert accepted.status_code == 202, accepted.status_code
    checked = check_accepted(accepted, directory, heads, message_id, digest(json.loads(message)))
    print(f"submitted {message_id}: {accepted.status_code}, accepted receipt checked: {checked}")
    # Sent again (a retry after a lost answer): 200 with the same claims; a ledger receipt comes under the current head.
    again = sender.call("POST", "/v1/messages", message)
    assert again.status_code == 200, again.status_code
    checked = check_accepted(again, directory, heads, message_id, digest(json.loads(message)))
    print(f"sent {message_id} again: {again.status_code}, receipt checked: {checked}")

    received = receive(recipient, Directory(recipient))
    assert [e["id"] for e, _ in received] == [message_id], received
    print(f"{recipient_id} received, verified, decrypted and acknowledged {message_id}")

    feed = sender.call("GET", "/v1/receipts?after=0&limit=100").json()["receipts"]
    delivered = [r["receipt"] for r in feed if json.loads(unb64u(r["receipt"]["payload"]))["message"] == message_id]
    check_receipt(delivered[-1], directory, "delivered", message_id, digest(json.loads(message)))
    print(f"{sender_id} checked {recipient_id}'s delivered receipt")

    entries = in_ledger(sender, directory, message_id)
    print(f"{entries} ledger entries of {message_id} are in the tree the gateway signed")
    print("example client: all checks passed")


if __name__ == "__main__":
    if len(sys.argv) != 9:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
