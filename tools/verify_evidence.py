#!/usr/bin/env python3
"""Check a Garita evidence pack without Garita (docs/audit.md, "Evidence packs").

Usage: verify_evidence.py PACK_DIR [VERIFIER_KEY]

With only the pack's files and the public key (by default the pack's own
verifier-key.txt; pass the key the company gave you to prove more):
1. checkpoint.txt is signed by the key (tools/verify_checkpoint.py);
2. the lines of entries.jsonl, hashed as RFC 6962 leaves
   (SHA-256(0x00 || line)), with the range proof of proofs.json, give the
   root checkpoint.txt signs: no entry was changed, removed, added or
   reordered;
3. the entries' seqs run without gaps from proofs.json's first_seq;
4. when start-checkpoint.txt is there, it is signed by the key and the
   consistency proof (RFC 9162, 2.1.4.2) shows its log is a prefix of the
   one checkpoint.txt signs: nothing before the period was rewritten.
Prints "ok ..." and exits 0, or "FAIL why" and exits 1.
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_checkpoint import fail, verify_note  # noqa: E402


def leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(hashes):
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return node(root(hashes[:k]), root(hashes[k:]))


def root_from_range(size, first, run, proof):
    """The root of a tree of `size` leaves whose leaves first.. are `run`,
    walking it as the prover did: subtrees beside the run come from the
    proof, in order; None if the proof does not fit exactly."""
    proof = list(proof)
    end = first + len(run)

    def walk(lo, hi):
        if hi <= first or lo >= end:
            if not proof:
                raise ValueError("proof too short")
            return proof.pop(0)
        if first <= lo and hi <= end:
            return root(run[lo - first:hi - first])
        k = split(hi - lo)
        return node(walk(lo, lo + k), walk(lo + k, hi))

    if not run or end > size:
        return None
    try:
        got = walk(0, size)
    except ValueError:
        return None
    return got if not proof else None


def verify_consistency(old_size, new_size, old_root, new_root, proof):
    if old_size == 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    pack = sys.argv[1]

    def read(name):
        with open(os.path.join(pack, name), "rb") as f:
            return f.read()

    key = sys.argv[2] if len(sys.argv) == 3 else read("verifier-key.txt").decode().strip()
    proofs = json.loads(read("proofs.json"))
    if proofs.get("format") != "garita-evidence-v1":
        fail(f"proofs.json: unknown format {proofs.get('format')!r}")
    _, size, signed_root = verify_note(key, read("checkpoint.txt").decode("utf-8"))
    if size != proofs["tree_size"]:
        fail(f"proofs.json says {proofs['tree_size']} entries, checkpoint.txt signs {size}")
    lines = [line for line in read("entries.jsonl").split(b"\n") if line]
    if len(lines) != proofs["count"]:
        fail(f"entries.jsonl has {len(lines)} entries, the proof is for {proofs['count']}")
    first = proofs["first_seq"]
    for i, line in enumerate(lines):
        seq = json.loads(line)["seq"]
        if seq != first + i:
            fail(f"entries.jsonl line {i + 1}: entry {seq} where entry {first + i} belongs")
    if lines:
        run = [leaf(line) for line in lines]
        proof = [bytes.fromhex(h) for h in proofs["range_proof"]]
        if root_from_range(size, first - 1, run, proof) != signed_root:
            fail("entries.jsonl does not give the root checkpoint.txt signs: an entry was changed, removed, added or reordered")
    anchored = ""
    if proofs.get("consistency"):
        c = proofs["consistency"]
        _, old_size, old_root = verify_note(key, read("start-checkpoint.txt").decode("utf-8"))
        proof = [bytes.fromhex(h) for h in c["proof"]]
        if old_size != c["from_size"] or not verify_consistency(old_size, size, old_root, signed_root, proof):
            fail("start-checkpoint.txt's log is not a prefix of checkpoint.txt's: history before the period was rewritten")
        anchored = f", consistent with the checkpoint of {old_size} entries"
    print(f"ok {len(lines)} entries from {first} in a signed log of {size}{anchored}")


if __name__ == "__main__":
    main()
