"""A small driver of headless Chromium over the Chrome DevTools Protocol
(python3-websocket), shared by the console's browser scripts.

    with Browser() as browser:
        browser.go(base + "/login")
        browser.type_into("#email", "oficial@example.com")
        browser.press("form[action='/login'] button")

Chromium runs with a profile of its own in a temporary directory and
`--remote-debugging-port=0`: it picks a free port and writes it to
DevToolsActivePort in that profile, so tests running at once never clash
on a port. It is stopped when the `with` block ends, however it ends
(an exception, SIGTERM or SIGINT to this process, or standard input
closed while waiting at a checkpoint).

Fields are filled and buttons pressed as a person does: a mouse click in
the middle of the element (it must be visible and not covered), then typed
text through the keyboard's input path. Only a <select> is set by script
(Chromium's popup is not a page element), with the `change` event a
person's choice fires.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import websocket


class StepFailed(Exception):
    """A step of a flow did not see what it expected."""


class Browser:
    def __init__(self, width=1280, height=900, accept_language="es-MX,es"):
        self.width, self.height = width, height
        self.accept_language = accept_language
        self.chrome = None
        self.profile = None
        self.ws = None
        self.seq = 0
        self.downloads = None

    # ---- lifetime -------------------------------------------------------

    def __enter__(self):
        # SIGTERM (a test harness stopping us) ends the `with` block too,
        # so Chromium never outlives this process.
        signal.signal(signal.SIGTERM, _raise_exit)
        self.profile = tempfile.mkdtemp(prefix="garita-chromium-")
        self.downloads = os.path.join(self.profile, "downloads")
        os.makedirs(self.downloads)
        self.chrome = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--accept-lang={self.accept_language}", f"--lang={self.accept_language.split(',')[0]}",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.chrome is not None:
            # Chromium's helpers (renderer, GPU, zygote) share its session:
            # end the whole group, politely first.
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.chrome.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.chrome.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.chrome = None
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def _connect(self):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        page = None
        while time.time() < deadline:
            if self.chrome.poll() is not None:
                raise StepFailed(f"chromium exited with {self.chrome.returncode} before it listened")
            try:
                port = int(open(port_file).read().split()[0])
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5))
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, ValueError, IndexError, StopIteration):
                time.sleep(0.1)
        if page is None:
            raise StepFailed("chromium did not open its DevTools port within 30 s")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.call("Page.enable")
        try:
            self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=self.downloads)
        except StepFailed:
            self.call("Page.setDownloadBehavior", behavior="allow", downloadPath=self.downloads)
        self._metrics(self.height)

    # ---- protocol -------------------------------------------------------

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise StepFailed(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise StepFailed(f"script failed: {expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    # ---- pages ----------------------------------------------------------

    def path(self):
        return self.evaluate("location.pathname")

    def text(self, selector="body"):
        """The text of the first element matching `selector`, spaces
        collapsed (as written, before any CSS text-transform), or None."""
        return self.evaluate(
            f"(e => e && e.textContent.replace(/\\s+/g, ' ').trim())(document.querySelector({json.dumps(selector)}))")

    def exists(self, selector):
        return bool(self.evaluate(f"document.querySelector({json.dumps(selector)}) !== null"))

    def count(self, selector):
        return self.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length")

    def attrs(self, selector, name):
        """The attribute `name` of every element matching `selector`."""
        return self.evaluate(
            f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(e => e.getAttribute({json.dumps(name)}))")

    def _wait_loaded(self, what):
        for _ in range(600):
            if self.evaluate("window.__garita_old === undefined && document.readyState === 'complete'"):
                return
            time.sleep(0.05)
        raise StepFailed(f"{what}: no new page loaded within 30 s (at {self.path()})")

    def go(self, url):
        """Opens `url` as typed into the address bar."""
        self.evaluate("window.__garita_old = true")
        answer = self.call("Page.navigate", url=url)
        if answer.get("errorText"):
            raise StepFailed(f"opening {url}: {answer['errorText']}")
        self._wait_loaded(f"opening {url}")

    def _centre(self, selector):
        box = self.evaluate(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return null;
            e.scrollIntoView({{block: 'center'}});
            const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {{x, y, w: r.width, h: r.height, hit: hit === e || e.contains(hit)}};
        }})()""")
        if box is None:
            raise StepFailed(f"no element {selector} on {self.path()}")
        if box["w"] == 0 or box["h"] == 0 or not box["hit"]:
            raise StepFailed(f"{selector} on {self.path()} is hidden or covered")
        return box["x"], box["y"]

    def click(self, selector):
        """A left click in the middle of the element."""
        x, y = self._centre(selector)
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def type_into(self, selector, text):
        """Clicks the field, selects what it holds and types `text` over it."""
        self.click(selector)
        if not self.evaluate(f"document.activeElement === document.querySelector({json.dumps(selector)})"):
            raise StepFailed(f"clicking {selector} did not focus it")
        self.evaluate("document.activeElement.select && document.activeElement.select()")
        self.call("Input.insertText", text=text)

    def choose(self, selector, value):
        """Picks the option `value` of a <select>, as a person's choice does."""
        ok = self.evaluate(f"""(() => {{
            const s = document.querySelector({json.dumps(selector)});
            if (!s || !Array.from(s.options).some(o => o.value === {json.dumps(value)})) return false;
            s.focus(); s.value = {json.dumps(value)};
            s.dispatchEvent(new Event('input', {{bubbles: true}}));
            s.dispatchEvent(new Event('change', {{bubbles: true}}));
            return true;
        }})()""")
        if not ok:
            raise StepFailed(f"{selector} on {self.path()} has no option {value!r}")

    def press(self, selector):
        """Clicks a button that submits a form or follows a link, and waits
        for the page it leads to."""
        self.evaluate("window.__garita_old = true")
        self.click(selector)
        self._wait_loaded(f"pressing {selector}")

    def download(self, url, timeout=30):
        """Opens `url`, which the browser saves as a file; the file's path."""
        before = set(os.listdir(self.downloads))
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = [n for n in set(os.listdir(self.downloads)) - before if not n.endswith(".crdownload")]
            if done:
                return os.path.join(self.downloads, done[0])
            time.sleep(0.1)
        raise StepFailed(f"{url} was not downloaded within {timeout} s")

    def _metrics(self, height):
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def shot(self, path):
        """Saves the whole page (up to 4,000 px tall) as a PNG."""
        self._metrics(self.height)
        height = int(self.call("Page.getLayoutMetrics")["cssContentSize"]["height"])
        self._metrics(max(self.height, min(height, 4000)))
        time.sleep(0.2)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))
        self._metrics(self.height)
        print("saved", path, "title:", self.evaluate("document.title"), flush=True)


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)
