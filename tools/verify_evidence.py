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
4. the lines of context.jsonl (the entries before the period that give each
   account's company, holder and status at its start) are leaves of the
   same tree at their seqs, proven by proofs.json's context_proof;
5. when start-checkpoint.txt is there, it is signed by the key and the
   consistency proof (RFC 9162, 2.1.4.2) shows its log is a prefix of the
   one checkpoint.txt signs: nothing before the period was rewritten;
6. report.json is the report the entries give, recomputed here
   (tools/evidence_report.py), and every figure index.html shows
   (data-figure cells) is that report's;
7. signed-files.txt is signed by the key, and entries.csv, index.html and
   report.json have the SHA-256 it gives; entries.csv's cells other than
   the description are those of entries.jsonl.
Prints "ok ..." and exits 0, or "FAIL why" (naming the file, line and
figure) and exits 1.
"""

import base64
import csv
import hashlib
import io
import json
import os
import re
import sys

from cryptography.exceptions import InvalidSignature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evidence_report import differences, page_figures, report_of  # noqa: E402
from verify_checkpoint import fail, parse_key, verify_note  # noqa: E402


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


def root_from_leaves(size, known, proof):
    """The root of a tree of `size` leaves given some of them, `known` as
    (index, leaf hash) in ascending order: the subtrees that hold none of
    them come from the proof, in the order a left-to-right walk meets them
    (a run of consecutive leaves is the common case). None if the proof
    does not fit exactly."""
    proof = list(reversed(proof))

    def walk(lo, hi, ks):
        if not ks:
            if not proof:
                raise ValueError("proof too short")
            return proof.pop()
        if hi - lo == 1:
            return ks[0][1]
        k = split(hi - lo)
        cut = sum(1 for i, _ in ks if i < lo + k)
        return node(walk(lo, lo + k, ks[:cut]), walk(lo + k, hi, ks[cut:]))

    indices = [i for i, _ in known]
    if not known or indices != sorted(set(indices)) or indices[-1] >= size:
        return None
    try:
        got = walk(0, size, known)
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


def verify_signed_text(key_text, note):
    """The text of a signed note (any content) whose signature by the key
    verifies; exits through fail() otherwise."""
    name, key_id, public = parse_key(key_text)
    if "\n\n" not in note:
        fail("signed-files.txt: no blank line before the signatures")
    body, signatures = note.split("\n\n", 1)
    body += "\n"
    for line in signatures.split("\n"):
        if line.startswith("\u2014 " + name + " "):
            blob = base64.b64decode(line[len(name) + 3:], validate=True)
            if len(blob) == 68 and blob[:4] == key_id:
                try:
                    public.verify(blob[4:], body.encode("utf-8"))
                    return body
                except InvalidSignature:
                    pass
    fail("signed-files.txt: no valid signature by the key: it was changed after signing")


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def check_csv(text, entries):
    """entries.csv's cells other than the description are the entries'
    (a cell may carry the leading ' that keeps a spreadsheet from reading
    it as a formula); returns if they all are, else fails."""
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1:]
    if len(rows) != len(entries):
        fail(f"entries.csv: {len(rows)} rows for {len(entries)} entries")
    for i, (row, e) in enumerate(zip(rows, entries)):
        want = {"seq": str(e["seq"]), "at": e["at"], "kind": e["kind"], "subject": e["subject"],
                "actor": e.get("actor") or "", "summary": canonical(e.get("summary")),
                "prev_hash": e["prev_hash"], "hash": e["hash"],
                "recorded_at": e.get("recorded_at") or "", "pinned_at": e.get("pinned_at") or ""}
        for column, cell in zip(header, row):
            if column in want and cell not in (want[column], "'" + want[column]):
                fail(f"entries.csv line {i + 2}: differs from entry {e['seq']} in entries.jsonl "
                     f"in column `{column}` (edited after packing)")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    pack = sys.argv[1]

    def read(name):
        with open(os.path.join(pack, name), "rb") as f:
            return f.read()

    def exists(name):
        return os.path.exists(os.path.join(pack, name))

    key = sys.argv[2] if len(sys.argv) == 3 else read("verifier-key.txt").decode().strip()
    proofs = json.loads(read("proofs.json"))
    if proofs.get("format") != "garita-evidence-v1":
        fail(f"proofs.json: unknown format {proofs.get('format')!r}")
    _, size, signed_root = verify_note(key, read("checkpoint.txt").decode("utf-8"))
    if size != proofs["tree_size"]:
        fail(f"proofs.json says {proofs['tree_size']} entries, checkpoint.txt signs {size}")
    lines = [line for line in read("entries.jsonl").split(b"\n") if line]
    first = proofs["first_seq"]
    entries = [json.loads(line) for line in lines]
    for i, e in enumerate(entries):
        if e["seq"] != first + i:
            fail(f"entries.jsonl line {i + 1}: entry {e['seq']} where entry {first + i} belongs")
    if len(lines) != proofs["count"]:
        fail(f"entries.jsonl: {len(lines)} entries, but the proof is for {proofs['count']}")
    if lines:
        run = [(first - 1 + i, leaf(line)) for i, line in enumerate(lines)]
        proof = [bytes.fromhex(h) for h in proofs["range_proof"]]
        if root_from_leaves(size, run, proof) != signed_root:
            fail("entries.jsonl does not give the root checkpoint.txt signs: an entry was changed, removed, added or reordered")
    context = []
    if exists("context.jsonl") or proofs.get("context_count", 0):
        lines = [line for line in read("context.jsonl").split(b"\n") if line]
        if len(lines) != proofs.get("context_count", 0):
            fail(f"context.jsonl: {len(lines)} entries, but the proof is for {proofs.get('context_count', 0)}")
        context = [json.loads(line) for line in lines]
        for i, e in enumerate(context):
            if not 0 < e["seq"] < (first or e["seq"] + 1):
                fail(f"context.jsonl line {i + 1}: entry {e['seq']} is not from before the period")
        if lines:
            known = [(e["seq"] - 1, leaf(line)) for e, line in zip(context, lines)]
            proof = [bytes.fromhex(h) for h in proofs.get("context_proof", [])]
            if root_from_leaves(size, known, proof) != signed_root:
                fail("context.jsonl: its entries do not give the root checkpoint.txt signs: a context entry was changed, removed, added or reordered")
    anchored = ""
    if proofs.get("consistency"):
        c = proofs["consistency"]
        _, old_size, old_root = verify_note(key, read("start-checkpoint.txt").decode("utf-8"))
        proof = [bytes.fromhex(h) for h in c["proof"]]
        if old_size != c["from_size"] or not verify_consistency(old_size, size, old_root, signed_root, proof):
            fail("start-checkpoint.txt's log is not a prefix of checkpoint.txt's: history before the period was rewritten")
        anchored = f", consistent with the checkpoint of {old_size} entries"
    derived = ""
    if exists("report.json"):
        want = report_of(entries, context, proofs.get("lang", "es"), proofs["from"], proofs["to"])
        found = []
        differences("", json.loads(read("report.json")), want, found)
        if found:
            fail(f"report.json: {found[0]} (edited after packing)")
        shown, seen = page_figures(want), set()
        for n, line in enumerate(read("index.html").decode("utf-8").split("\n"), 1):
            for name, value in re.findall(r'data-figure="([^"]+)">([^<]*)<', line):
                seen.add(name)
                if value != shown.get(name):
                    fail(f"index.html line {n}: figure `{name}` shows {value}, the entries give "
                         f"{shown.get(name, 'no such figure')} (edited after packing)")
        if set(shown) - seen:
            fail(f"index.html: figure `{min(set(shown) - seen)}` is missing (edited after packing)")
        derived = ", report.json and index.html's figures recomputed"
    if exists("signed-files.txt"):
        body = verify_signed_text(key, read("signed-files.txt").decode("utf-8"))
        signed = dict(line.split(" ", 1) for line in body.split("\n")[2:] if " " in line)
        for name in ("report.json", "index.html", "entries.csv"):
            if signed.get(name) != hashlib.sha256(read(name)).hexdigest():
                if name == "entries.csv":
                    check_csv(read(name).decode("utf-8"), entries)
                    fail("entries.csv: a cell of column `description` was edited after packing "
                         "(its SHA-256 is not the one signed-files.txt signs, and every other "
                         "column is that of entries.jsonl)")
                fail(f"{name}: its SHA-256 is not the one signed-files.txt signs (edited after packing)")
        derived += ", the CSV, report and page as signed"
    print(f"ok {len(entries)} entries from {first} in a signed log of {size}{anchored}"
          f", {len(context)} context entries{derived}")


if __name__ == "__main__":
    main()
