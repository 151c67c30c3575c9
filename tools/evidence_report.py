"""The figures of a Garita evidence pack's report, recomputed from its entries
(docs/audit.md, "How the report's figures are derived"), for
verify_evidence.py. Mirrors crates/garita-app/src/ops/evidence_report.rs:
the e2e test tests/tests/evidence.rs checks that both give the same report.
"""

import json
from datetime import date

REVIEW_WORKFLOWS = {"ctpat-email-list-review", "access-review-ctpat",
                    "access-review-ecuapass", "access-review-anam"}
MAX_MONTHS = 36


def text_of(v):
    return v if isinstance(v, str) and v.strip() else None


def date_of(v):
    try:
        y, m, d = v.split("-")
        return date(int(y), int(m), int(d)).isoformat()
    except (AttributeError, ValueError):
        return None


def changes_of(entry):
    s = entry.get("summary")
    c = s.get("changes") if isinstance(s, dict) else None
    return [x if isinstance(x, dict) else {} for x in c] if isinstance(c, list) else []


def new_account():
    return {"company": None, "holder": None, "deactivated": False, "deactivates_on": None,
            "reactivated_on": None, "offboarded_on": None, "status_since": None, "removals": [],
            "added": 0, "sign_ins": 0, "sign_ins_on_time": 0, "deactivations": 0,
            "reactivations": 0, "password_changes": 0, "certificate_renewals": 0,
            "leavers": 0, "months": {}}


def fold_names(a, field, new):
    """Company and holder: the same in every way of folding."""
    if field == "company.legal_name":
        a["company"] = text_of(new) or a["company"]
    elif field == "holder.email":
        a["holder"] = text_of(new) or a["holder"]
    elif field == "holder.name" and a["holder"] is None:
        a["holder"] = text_of(new)
    elif field == "deactivates_on":
        a["deactivates_on"] = date_of(new)
    else:
        return False
    return True


def fold_context(a, e):
    on = e["at"][:10]
    for c in changes_of(e):
        field, new = c.get("field"), c.get("new")
        if fold_names(a, field, new):
            continue
        if field == "status":
            new = new if isinstance(new, str) else ""
            a["deactivated"] = new == "deactivated"
            a["status_since"] = (new, on)
            a["offboarded_on"] = (a["offboarded_on"] or on) if new == "offboarded" else None
        elif field == "attributes.evidence_on" and date_of(new):
            a["offboarded_on"] = None


def fold(a, e, subject):
    on, created = e["at"][:10], e["kind"] == "account.created"
    month = on[:7]
    if created:
        a["added"] += 1
    deadline = a["deactivates_on"]

    def bump(i):
        a["months"].setdefault(month, [0, 0, 0])[i] += 1

    for c in changes_of(e):
        field, old, new = c.get("field"), c.get("old"), c.get("new")
        if field == "holder.name" and a["holder"] is not None:
            field = None  # named already: nothing to fold
        if fold_names(a, field, new):
            continue
        if field == "status" and created:
            new = new if isinstance(new, str) else ""
            a["deactivated"] = new == "deactivated"
            a["status_since"] = (new, on)
        elif created:
            continue
        elif field == "last_sign_in":
            a["sign_ins"] += 1
            bump(0)
            signed = date_of(new)
            if not a["deactivated"]:
                reactivated, a["reactivated_on"] = a["reactivated_on"], None
                if signed is not None and (
                        signed == reactivated if reactivated is not None
                        else deadline is None or signed < deadline):
                    a["sign_ins_on_time"] += 1
        elif field == "password_changed_on" and new is not None:
            a["password_changes"] += 1
            bump(1)
        elif field == "certificate_expires_on":
            o, n = date_of(old), date_of(new)
            if o and n and n > o:
                a["certificate_renewals"] += 1
        elif field == "attributes.evidence_on":
            removed = date_of(new)
            if a["offboarded_on"] and removed:
                days = (date.fromisoformat(removed) - date.fromisoformat(a["offboarded_on"])).days
                a["removals"].append({"account": subject, "offboarded_on": a["offboarded_on"],
                                      "removed_on": removed, "days": days})
                a["offboarded_on"] = None
        elif field == "status":
            old = old if isinstance(old, str) else ""
            new = new if isinstance(new, str) else ""
            if new == "deactivated":
                a["deactivations"] += 1
                bump(2)
            elif new in ("active", "at_risk") and old == "deactivated":
                a["reactivations"] += 1
                a["reactivated_on"] = on
            elif new == "offboarded" and old != "offboarded":
                a["leavers"] += 1
                a["offboarded_on"] = on
            a["deactivated"] = new == "deactivated"
            a["status_since"] = (new, on)


def months_filled(months):
    """Every month from the first to the last with activity, the last 36."""
    if not months:
        return []
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04}-{m:02}" <= last:
        name = f"{y:04}-{m:02}"
        s, p, d = months.get(name, [0, 0, 0])
        out.append({"month": name, "sign_ins": s, "password_changes": p, "deactivations": d})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[-MAX_MONTHS:]


COUNTED = ["added", "sign_ins", "sign_ins_on_time", "deactivations", "reactivations",
           "password_changes", "certificate_renewals", "leavers"]


def report_of(entries, context, lang, frm, to):
    """report.json's content for the pack's entries and context entries."""
    accounts = {}
    for e in context:
        if e["kind"] in ("account.created", "account.changed"):
            fold_context(accounts.setdefault(e["subject"], new_account()), e)
    reviews = {"started": 0, "completed": 0, "completed_on": []}
    tasks = {}
    for e in entries:
        kind, s = e["kind"], e.get("summary")
        s = s if isinstance(s, dict) else {}
        if kind in ("account.created", "account.changed"):
            fold(accounts.setdefault(e["subject"], new_account()), e, e["subject"])
        elif kind == "run.event" and text_of(s.get("workflow")) in REVIEW_WORKFLOWS:
            if s.get("event") == "run_created":
                reviews["started"] += 1
            elif s.get("event") == "run_succeeded":
                reviews["completed"] += 1
                reviews["completed_on"].append(e["at"][:10])
        elif kind == "task.opened":
            tasks[e["subject"]] = {"task": e["subject"], "title": text_of(s.get("title")) or "",
                                   "opened_on": e["at"][:10]}
        elif kind in ("task.answered", "task.expired", "task.cancelled"):
            tasks.pop(e["subject"], None)
    groups = {}
    for key in sorted(accounts):
        a = accounts[key]
        company = a["company"] or ""
        g = groups.setdefault((company, key.split(":", 1)[0] if ":" in key else ""), {
            "company": company, "portal": key.split(":", 1)[0] if ":" in key else "",
            "accounts": 0, "holders": set(), **{k: 0 for k in COUNTED},
            "removals": [], "open_findings": [], "months": {}})
        g["accounts"] += 1
        if a["holder"] is not None:
            g["holders"].add(a["holder"])
        for k in COUNTED:
            g[k] += a[k]
        g["removals"] += a["removals"]
        if a["offboarded_on"]:
            g["removals"].append({"account": key, "offboarded_on": a["offboarded_on"],
                                  "removed_on": None, "days": None})
            g["open_findings"].append({"account": key, "kind": "removal_unconfirmed",
                                       "since": a["offboarded_on"]})
        if a["status_since"] and a["status_since"][0] in ("deactivated", "disabled"):
            g["open_findings"].append({"account": key, "kind": a["status_since"][0],
                                       "since": a["status_since"][1]})
        for month, figures in a["months"].items():
            total = g["months"].setdefault(month, [0, 0, 0])
            for i in range(3):
                total[i] += figures[i]
    out = []
    for key in sorted(groups):
        g = groups[key]
        g["holders"] = len(g["holders"])
        g["months"] = months_filled(g["months"])
        g["removals"].sort(key=lambda r: (r["offboarded_on"], r["account"]))
        g["open_findings"].sort(key=lambda f: (f["since"], f["account"], f["kind"]))
        out.append(g)
    open_tasks = sorted(tasks.values(), key=lambda t: (t["opened_on"], t["task"]))
    return {"format": "garita-evidence-report-v1", "lang": lang, "from": frm, "to": to,
            "entries": len(entries), "first_seq": entries[0]["seq"] if entries else 0,
            "groups": out, "access_reviews": reviews, "open_tasks": open_tasks}


def page_figures(report):
    """The figures index.html shows (its data-figure cells), as text."""
    figures = {"entries": str(report["entries"])}
    for i, g in enumerate(report["groups"]):
        removed = sum(1 for r in g["removals"] if r["removed_on"] is not None)
        days = [r["days"] for r in g["removals"] if r["days"] is not None]
        for name, value in [
                ("accounts", g["accounts"]), ("holders", g["holders"]), ("added", g["added"]),
                ("sign_ins_on_time", f"{g['sign_ins_on_time']} / {g['sign_ins']}"),
                ("deactivations", f"{g['deactivations']} / {g['reactivations']}"),
                ("password_changes", g["password_changes"]),
                ("certificate_renewals", g["certificate_renewals"]),
                ("leavers", f"{removed} / {g['leavers']}"),
                ("removal_days", max(days) if days else "\u2014"),
                ("open_findings", len(g["open_findings"]))]:
            figures[f"groups.{i}.{name}"] = str(value)
    r = report["access_reviews"]
    figures["access_reviews"] = f"{r['completed']} / {r['started']}"
    figures["open_tasks"] = str(len(report["open_tasks"]))
    return figures


def differences(path, found, want, out):
    """Where report.json differs from the recomputed report, as Garita says it."""
    at = (lambda k: f"{path}.{k}" if path else k)
    if isinstance(found, dict) and isinstance(want, dict):
        for k in sorted(set(found) | set(want)):
            differences(at(k), found.get(k), want.get(k), out)
    elif isinstance(found, list) and isinstance(want, list) and len(found) == len(want):
        for i, (f, w) in enumerate(zip(found, want)):
            differences(at(str(i)), f, w, out)
    elif found != want or type(found) is not type(want):
        def short(v):
            t = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            return t if len(t) <= 80 else t[:80] + "\u2026"
        out.append(f"{path or 'the report'} is {short(found)}, the entries give {short(want)}")
