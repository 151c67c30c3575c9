"""Signs in to the console in headless Chromium through the real form and
saves screenshots (Chrome DevTools Protocol over python3-websocket)."""
import base64, json, subprocess, sys, time, urllib.request
import websocket

base, email, password, out = sys.argv[1:5]
port = 9333
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
    def wait_load(url_part):
        for _ in range(300):
            r = call("Runtime.evaluate", expression="document.readyState + ' ' + location.pathname")
            v = r["result"].get("value", "")
            if v.startswith("complete") and v.endswith(url_part):
                return
            time.sleep(0.1)
        raise RuntimeError("page did not load: " + url_part)
    call("Page.enable")
    call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    call("Page.navigate", url=base + "/login")
    wait_load("/login")
    fill = (f"document.getElementById('email').value = {json.dumps(email)};"
            f"document.getElementById('password').value = {json.dumps(password)};"
            "document.querySelector('form').submit();")
    call("Runtime.evaluate", expression=fill)
    time.sleep(0.5)
    wait_load("/")
    metrics = call("Page.getLayoutMetrics")
    height = int(metrics["cssContentSize"]["height"])
    call("Emulation.setDeviceMetricsOverride", width=1280, height=max(900, height), deviceScaleFactor=1, mobile=False)
    time.sleep(0.3)
    shot = call("Page.captureScreenshot", format="png")
    open(out, "wb").write(base64.b64decode(shot["data"]))
    r = call("Runtime.evaluate", expression="document.title")
    print("saved", out, "title:", r["result"].get("value"))
finally:
    chrome.terminate()
    chrome.wait()
