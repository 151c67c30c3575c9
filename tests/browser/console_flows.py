"""The console's flows in headless Chromium, as an officer and a holder do
them, with assertions (tests/tests/console_browser.rs runs this against the
real `garita daemon`).

    console_flows.py SPEC.json

SPEC.json (written by the Rust test):
    base          the console's address, http://127.0.0.1:PORT
    email, password   an officer's sign-in
    shots         the directory for the screenshots (NN-<page>.png)
    waiting       how many tasks wait (Inicio's count and the inbox's)
    task_title    the title of the task to answer
    answer        {field: value} for the task's form (typed, or chosen)
    at_risk       {"key", "portal"}: an account the at-risk filter lists
    link          a holder's "I signed in" link (path), from their email
    holder_name   whom that link's page names
    expired_link  a link made more than 7 days ago (path)
    feed          a personal calendar feed (path)
    events        [{"uid_prefix", "summary_contains", "dtstart"}], exactly
                  the events the feed must hold

Between steps the driver prints `CHECKPOINT NAME` and waits for a line on
standard input: `ok` goes on; anything else, or end of input, stops it.
That is where the Rust side looks at the store through the real binary
(a GET that changed nothing, a POST that recorded the sign-in).

Each failure names the step and what was seen against what was expected,
and the exit status is 1. Chromium is stopped on every way out.
"""
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, StepFailed  # noqa: E402


class Flows:
    def __init__(self, browser, spec):
        self.b = browser
        self.spec = spec
        self.base = spec["base"]
        self.step = "start"
        self.shots = 0
        os.makedirs(spec["shots"], exist_ok=True)

    # ---- reporting ------------------------------------------------------

    def begin(self, step):
        self.step = step
        print(f"STEP {step}", flush=True)

    def expect(self, what, seen, expected):
        if seen != expected:
            raise StepFailed(f"{what}: saw {seen!r}, expected {expected!r}")

    def expect_in(self, what, needle, haystack):
        if haystack is None or needle not in haystack:
            raise StepFailed(f"{what}: expected {needle!r} in {haystack!r}")

    def shot(self, page):
        self.shots += 1
        self.b.shot(os.path.join(self.spec["shots"], f"{self.shots:02d}-{page}.png"))

    def checkpoint(self, name):
        print(f"CHECKPOINT {name}", flush=True)
        line = sys.stdin.readline()
        if line.strip() != "ok":
            raise StepFailed(f"the test stopped at checkpoint {name}: {line.strip() or 'end of input'!r}")

    def number(self, selector):
        text = self.b.text(selector)
        digits = "".join(c for c in (text or "") if c.isdigit())
        if not digits:
            raise StepFailed(f"no number in {selector}: {text!r} on {self.b.path()}")
        return int(digits)

    # ---- the flows ------------------------------------------------------

    def sign_in(self):
        self.begin("sign in through /login")
        self.b.go(self.base + "/")
        self.expect("opening / signed out leads to", self.b.path(), "/login")
        self.shot("login")
        self.b.type_into("#email", self.spec["email"])
        self.b.type_into("#password", self.spec["password"])
        self.b.press("form[action='/login'] button[type=submit]")
        self.expect("after signing in, the page", self.b.path(), "/")
        self.expect_in("Inicio names the user", self.spec["email"], self.b.text())

    def inbox_count(self):
        self.begin("the inbox count on Inicio and Tareas")
        self.shot("inicio")
        self.expect("Inicio's tasks waiting", self.number("#tasks-waiting .number"), self.spec["waiting"])
        self.b.press("nav a[href='/tareas']")
        self.expect("the Tareas link leads to", self.b.path(), "/tareas")
        self.shot("tareas")
        self.expect("Tareas' count of mine", self.number("[data-count=mine]"), self.spec["waiting"])
        self.expect("task rows listed", self.b.count("tr.task-row"), self.spec["waiting"])

    def answer_task(self):
        self.begin("open the task, fill its answer form and submit")
        title = self.spec["task_title"]
        rows = self.b.evaluate("Array.from(document.querySelectorAll('tr.task-row')).map(r => r.cells[0].textContent.trim())")
        if title not in rows:
            raise StepFailed(f"the inbox lists {rows!r}, expected a row titled {title!r}")
        index = rows.index(title) + 1
        self.b.press(f"tr.task-row:nth-of-type({index}) form[action='/tareas/ver'] button")
        self.expect_in("the task's page shows its title", title, self.b.text("h1"))
        self.expect("the task's status", self.b.text("#task-status"), "abierta")
        self.shot("tarea")
        for name, value in self.spec["answer"].items():
            selector = f"#answer-{name}"
            if self.b.evaluate(f"document.querySelector('{selector}').tagName") == "SELECT":
                self.b.choose(selector, str(value).lower() if isinstance(value, bool) else str(value))
            else:
                self.b.type_into(selector, str(value))
        self.b.press("form[action='/tareas/responder'] button[type=submit]")
        self.expect("the answered task's status", self.b.text("#task-status"), "completada")
        self.expect("answered by", self.b.text("#answered-by"), self.spec["email"])
        self.shot("tarea-respondida")
        self.b.press("nav a[href='/tareas']")
        self.expect("Tareas' count of mine after answering", self.number("[data-count=mine]"),
                    self.spec["waiting"] - 1)
        rows = self.b.evaluate("Array.from(document.querySelectorAll('tr.task-row')).map(r => r.cells[0].textContent.trim())")
        if title in rows:
            raise StepFailed(f"the answered task is still in the inbox: {rows!r}")
        self.shot("tareas-despues")
        self.checkpoint("task-answered")

    def find_at_risk(self):
        self.begin("find the at-risk account through Cuentas' filters")
        wanted = self.spec["at_risk"]
        self.b.press("nav a[href='/cuentas']")
        self.expect("the Cuentas link leads to", self.b.path(), "/cuentas")
        self.shot("cuentas")
        self.b.choose("#portal", wanted["portal"])
        self.b.choose("#status", "at_risk")
        self.b.press("form.filters button[name=page][value='1']")
        keys = self.b.attrs("tr.account-row", "data-key")
        if wanted["key"] not in keys:
            raise StepFailed(f"the at-risk filter lists {keys!r}, expected {wanted['key']!r} among them")
        statuses = self.b.attrs("tr.account-row td .tag[class*='st-']", "class")
        if any("st-at_risk" not in s for s in statuses):
            raise StepFailed(f"the at-risk filter lists other statuses too: {statuses!r}")
        self.shot("cuentas-en-riesgo")
        row = keys.index(wanted["key"]) + 1
        self.b.press(f"tr.account-row:nth-of-type({row}) form[action='/cuentas/ver'] button")
        self.expect_in("the account's page", wanted["key"].split(":", 1)[1], self.b.text().lower())
        self.shot("cuenta")

    def sign_out(self):
        self.begin("sign out")
        self.b.press("form.signout button")
        self.expect("after signing out, the page", self.b.path(), "/login")

    def holder_link(self):
        self.begin("open the holder's link (GET)")
        self.checkpoint("before-link")
        link = self.base + self.spec["link"]
        self.b.go(link)
        self.expect("the link's page title", self.b.text("h1"), "Confirmar que entró al portal")
        self.expect_in("the link's page names the holder", self.spec["holder_name"], self.b.text(".facts"))
        if not self.b.exists("form button[type=submit]"):
            raise StepFailed("the link's page has no confirm button")
        self.shot("enlace")
        self.checkpoint("link-opened")

        self.begin("press the link's button (POST)")
        self.b.press("section.holder-link form button[type=submit]")
        self.expect("the confirmation", self.b.text("[role=status]"),
                    "Listo: quedó registrado que entró al portal.")
        self.shot("enlace-listo")
        self.checkpoint("link-used")

        self.begin("open the used link again")
        self.b.go(link)
        self.expect("the used link's page", self.b.text("h2"), "Este enlace ya se usó")
        self.shot("enlace-usado")
        self.b.press("form[action$='/nuevo'] button")
        self.expect("asking for a new link", self.b.text("[role=status]"),
                    "Le enviamos un enlace nuevo por correo. Puede cerrar esta página.")
        self.shot("enlace-nuevo")

        self.begin("open an expired link")
        self.b.go(self.base + self.spec["expired_link"])
        self.expect("the expired link's page", self.b.text("h2"), "Este enlace venció")
        if self.b.exists("form button[type=submit]:not([formaction])") and \
                not self.b.exists("form[action$='/nuevo']"):
            raise StepFailed("an expired link's page still offers to confirm")
        self.shot("enlace-vencido")

    def calendar(self):
        self.begin("download the calendar feed and read it with icalendar")
        import icalendar
        path = self.b.download(self.base + self.spec["feed"])
        raw = open(path, "rb").read()
        try:
            cal = icalendar.Calendar.from_ical(raw)
        except Exception as e:
            raise StepFailed(f"icalendar could not read the feed: {e}: {raw[:300]!r}")
        self.expect("the feed's VERSION", str(cal.get("version")), "2.0")
        events = [{"uid": str(ev.get("uid")), "summary": str(ev.get("summary")),
                   "dtstart": ev.decoded("dtstart").isoformat()} for ev in cal.walk("VEVENT")]
        print("EVENTS", json.dumps(events, ensure_ascii=False), flush=True)
        for want in self.spec["events"]:
            found = [e for e in events if e["uid"].startswith(want["uid_prefix"])
                     and want["summary_contains"] in e["summary"]]
            if len(found) != 1:
                raise StepFailed(f"events {want!r}: saw {len(found)} of {events!r}, expected 1")
            self.expect(f"the date of {want['uid_prefix']}… ({found[0]['summary']})",
                        found[0]["dtstart"], want["dtstart"])
        self.expect("the number of events", len(events), len(self.spec["events"]))


def main():
    spec = json.load(open(sys.argv[1]))
    print("SCREENSHOTS", spec["shots"], flush=True)
    flows = None
    try:
        with Browser() as browser:
            flows = Flows(browser, spec)
            flows.sign_in()
            flows.inbox_count()
            flows.answer_task()
            flows.find_at_risk()
            flows.sign_out()
            flows.holder_link()
            flows.calendar()
    except StepFailed as e:
        print(f"FAILED at step '{flows.step if flows else 'start chromium'}': {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except SystemExit:
        raise
    except BaseException:
        print(f"FAILED at step '{flows.step if flows else 'start chromium'}':", file=sys.stderr, flush=True)
        traceback.print_exc()
        sys.exit(1)
    print(f"FLOWS PASSED ({flows.shots} screenshots in {spec['shots']})", flush=True)


if __name__ == "__main__":
    main()
