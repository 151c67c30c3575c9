"""Signs in to the console in headless Chromium through the real form and
saves screenshots (Chrome DevTools Protocol, tests/browser/cdp.py).

    console_screenshots.py BASE EMAIL PASSWORD OUT.png   Inicio only
    console_screenshots.py BASE EMAIL PASSWORD OUTDIR    every page, as
        OUTDIR/console-<page>.png: Inicio, Tareas, a task, Cuentas (all and
        at risk), an account, the import form with a report, Ejecuciones, a
        run, Correo, a message and Auditoría. A page opened from a list is
        opened the way a person does: by pressing its first "Abrir" button.

The flows themselves, with assertions, are console_flows.py's.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

base, email, password, out = sys.argv[1:5]

with Browser() as browser:
    def press_first(action, value=None):
        """Presses the first button of the first form posting to `action`
        (the one whose value is `value`, when given)."""
        button = "button" if value is None else f"button[value=\"{value}\"]"
        browser.press(f"form[action=\"{action}\"] {button}")

    browser.go(base + "/login")
    browser.type_into("#email", email)
    browser.type_into("#password", password)
    browser.press("form[action=\"/login\"] button[type=submit]")
    if out.endswith(".png"):
        browser.shot(out)
        sys.exit(0)
    os.makedirs(out, exist_ok=True)
    name = lambda page: os.path.join(out, f"console-{page}.png")  # noqa: E731
    browser.shot(name("inicio"))
    browser.go(base + "/tareas")
    browser.shot(name("tareas"))
    if not browser.exists("form[action=\"/tareas/ver\"]"):
        # Nothing is the signed-in user's: open the first of all tasks.
        press_first("/tareas", "all")
    press_first("/tareas/ver")
    browser.shot(name("tarea"))
    browser.go(base + "/cuentas")
    browser.shot(name("cuentas"))
    browser.choose("#status", "at_risk")
    browser.press("form.filters button[name=page]")
    browser.shot(name("cuentas-en-riesgo"))
    press_first("/cuentas/ver")
    browser.shot(name("cuenta"))
    browser.go(base + "/cuentas/importar")
    csv = os.environ.get("IMPORT_CSV")
    if csv:
        browser.evaluate(f"document.getElementById('csv').value = {json.dumps(open(csv).read())};")
        browser.press("form[action=\"/cuentas/importar\"] button[type=submit]")
    browser.shot(name("importar"))
    browser.go(base + "/ejecuciones")
    browser.shot(name("ejecuciones"))
    press_first("/ejecuciones/ver")
    browser.shot(name("ejecucion"))
    browser.go(base + "/correo")
    browser.shot(name("correo"))
    press_first("/correo/ver")
    browser.shot(name("mensaje"))
    browser.go(base + "/auditoria")
    browser.shot(name("auditoria"))
