"""Signs in to the console in headless Chromium through the real form and
saves screenshots (Chrome DevTools Protocol over python3-websocket).

    console_screenshots.py BASE EMAIL PASSWORD OUT.png   Inicio only
    console_screenshots.py BASE EMAIL PASSWORD OUTDIR    every page, as
        OUTDIR/console-<page>.png: Inicio, Tareas, a task, Cuentas (all and
        at risk), an account, the import form with a report, Ejecuciones, a
        run, Correo, a message and Auditoría. A page opened from a list is
        opened the way a person does: by pressing its first "Abrir" button.
"""
import base64, json, os, subprocess, sys, time, urllib.request
import websocket

base, email, password, out = sys.argv[1:5]
port = int(os.environ.get("CDP_PORT", "9333"))
chrome = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--remote-debugging-port={port}", "--window-size=1280,900", "about:blank"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
            page = next(t for t in targets if t["type"] == "page")
            break
        except Exception:
            time.sleep(0.1)
    ws = websocket.create_connection(page["webSocketDebuggerUrl"])
    seq = [0]
    def call(method, **params):
        seq[0] += 1
        ws.send(json.dumps({"id": seq[0], "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == seq[0]:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result", {})
    def evaluate(expression):
        return call("Runtime.evaluate", expression=expression)["result"].get("value")
    def wait_load(url_part):
        for _ in range(300):
            v = evaluate("document.readyState + ' ' + location.pathname") or ""
            if v.startswith("complete") and v.endswith(url_part):
                return
            time.sleep(0.1)
        raise RuntimeError("page did not load: " + url_part)
    def submit(expression, url_part):
        """Runs `expression` (which submits a form), then waits for the page."""
        evaluate("window.__old = true;")
        evaluate(expression)
        for _ in range(300):
            if evaluate("window.__old === undefined && document.readyState === 'complete'"):
                break
            time.sleep(0.1)
        wait_load(url_part)
    def shot(path):
        call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        height = int(call("Page.getLayoutMetrics")["cssContentSize"]["height"])
        call("Emulation.setDeviceMetricsOverride", width=1280, height=max(900, min(height, 4000)),
             deviceScaleFactor=1, mobile=False)
        time.sleep(0.3)
        data = call("Page.captureScreenshot", format="png")["data"]
        open(path, "wb").write(base64.b64decode(data))
        print("saved", path, "title:", evaluate("document.title"))
    def go(path):
        call("Page.navigate", url=base + path)
        wait_load(path)
    def press_first(action, url_part, value=None):
        """Presses the first button of the first form posting to `action`
        (the one whose value is `value`, when given)."""
        button = "button" if value is None else f"button[value=\"{value}\"]"
        submit(f"document.querySelector('form[action=\"{action}\"] {button}').click()", url_part)

    call("Page.enable")
    call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    go("/login")
    fill = (f"document.getElementById('email').value = {json.dumps(email)};"
            f"document.getElementById('password').value = {json.dumps(password)};"
            "document.querySelector('form').submit();")
    evaluate(fill)
    time.sleep(0.5)
    wait_load("/")
    if out.endswith(".png"):
        shot(out)
        sys.exit(0)
    os.makedirs(out, exist_ok=True)
    name = lambda page: os.path.join(out, f"console-{page}.png")
    shot(name("inicio"))
    go("/tareas")
    shot(name("tareas"))
    if not evaluate("document.querySelector('form[action=\"/tareas/ver\"]') !== null"):
        # Nothing is the signed-in user's: open the first of all tasks.
        press_first("/tareas", "/tareas", "all")
    press_first("/tareas/ver", "/tareas/ver")
    shot(name("tarea"))
    go("/cuentas")
    shot(name("cuentas"))
    submit("document.getElementById('status').value = 'at_risk';"
           "document.querySelector('form.filters button[name=page]').click()", "/cuentas")
    shot(name("cuentas-en-riesgo"))
    press_first("/cuentas/ver", "/cuentas/ver")
    shot(name("cuenta"))
    go("/cuentas/importar")
    csv = os.environ.get("IMPORT_CSV")
    if csv:
        evaluate(f"document.getElementById('csv').value = {json.dumps(open(csv).read())};")
        submit("document.querySelector('form[action=\"/cuentas/importar\"]').submit()", "/cuentas/importar")
    shot(name("importar"))
    go("/ejecuciones")
    shot(name("ejecuciones"))
    press_first("/ejecuciones/ver", "/ejecuciones/ver")
    shot(name("ejecucion"))
    go("/correo")
    shot(name("correo"))
    press_first("/correo/ver", "/correo/ver")
    shot(name("mensaje"))
    go("/auditoria")
    shot(name("auditoria"))
finally:
    chrome.terminate()
    chrome.wait()
