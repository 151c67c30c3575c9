#!/usr/bin/env python3
"""Check a Garita audit checkpoint without Garita.

A checkpoint is a C2SP tlog-checkpoint signed as a C2SP signed note with
Ed25519 (docs/audit.md, "Checkpoints"): three lines (origin, tree size,
base64 root hash), a blank line, then signature lines
"\u2014 NAME BASE64(keyid[4] || signature[64])". The verifier key is
"NAME+KEYID(hex)+BASE64(0x01 || public key[32])", and the key id is the
first 4 bytes of SHA-256(NAME || "\\n" || 0x01 || public key).

Usage: verify_checkpoint.py VERIFIER_KEY CHECKPOINT_FILE
Prints "ok ORIGIN SIZE ROOT_HEX" and exits 0 when the signature verifies;
otherwise says why and exits 1. Needs Python 3 and the `cryptography`
package (Debian: python3-cryptography).
"""

import base64
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print(f"FAIL {why}")
    sys.exit(1)


def parse_key(text):
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        fail("the verifier key is not NAME+KEYID+KEY")
    name, key_id, key = parts
    raw = base64.b64decode(key, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        fail("the verifier key is not an Ed25519 key (algorithm byte 1, 32 bytes)")
    public = raw[1:]
    expected_id = hashlib.sha256(name.encode() + b"\n" + b"\x01" + public).digest()[:4]
    if expected_id.hex() != key_id:
        fail("the verifier key's id does not match its key")
    return name, expected_id, Ed25519PublicKey.from_public_bytes(public)


def verify_note(key_text, note):
    """(origin, size, root bytes) of a checkpoint whose signature verifies;
    exits through fail() otherwise."""
    name, key_id, public = parse_key(key_text)
    if "\n\n" not in note:
        fail("no blank line between the checkpoint and its signatures")
    body, signatures = note.split("\n\n", 1)
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        fail("the checkpoint has fewer than three lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if origin != name:
        fail(f"the checkpoint is of log {origin!r}, the key is {name!r}")
    if not size.isdigit() or (len(size) > 1 and size[0] == "0"):
        fail("the tree size is not a decimal number")
    root_bytes = base64.b64decode(root, validate=True)
    if len(root_bytes) != 32:
        fail("the root hash is not 32 bytes")
    prefix = "\u2014 " + name + " "
    seen = False
    for line in signatures.split("\n"):
        if not line.startswith(prefix):
            continue
        blob = base64.b64decode(line[len(prefix):], validate=True)
        if len(blob) != 68 or blob[:4] != key_id:
            continue
        seen = True
        try:
            public.verify(blob[4:], body.encode("utf-8"))
        except InvalidSignature:
            continue
        return origin, int(size), root_bytes
    fail("the signature does not verify" if seen else "no signature by this key")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    with open(sys.argv[2], "rb") as f:
        note = f.read().decode("utf-8")
    origin, size, root = verify_note(sys.argv[1], note)
    print(f"ok {origin} {size} {root.hex()}")


if __name__ == "__main__":
    main()
