"""Headless Chromium driven through the DevTools protocol: what the browser end-to-end scripts
(Tests/dashboard/drive.py, Tests/desk/drive.py) share — starting the browser on a free DevTools
port with a throwaway profile, one page's WebSocket, numbered calls, the events seen meanwhile,
and the list of checks that failed. Needs websocket-client (installed by the e2e scripts)."""
import json, os, shutil, subprocess, tempfile, time, urllib.request

import websocket


class Checks:
    """Prints each check as ok or FAIL and keeps the failed ones."""

    def __init__(self):
        self.failures = []

    def __call__(self, condition, what):
        print(("ok   " if condition else "FAIL ") + what)
        if not condition:
            self.failures.append(what)


class Chromium:
    """One headless Chromium and its first page; use as a context manager (it ends the browser)."""

    def __init__(self, executable, window="1280,900", timeout=60):
        self.profile = tempfile.mkdtemp(prefix="ura-chromium-")
        self.timeout = timeout
        self.process = subprocess.Popen([executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                         "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={window}",
                                         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.events = []
        self.counter = 0
        try:
            # Chromium writes the port it chose once it listens.
            port_file = os.path.join(self.profile, "DevToolsActivePort")
            for _ in range(600):
                if os.path.exists(port_file) and open(port_file).read().strip():
                    break
                if self.process.poll() is not None:
                    raise RuntimeError(f"Chromium exited with status {self.process.returncode} before it listened")
                time.sleep(0.05)
            port = open(port_file).read().split()[0]
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            page = next(t for t in targets if t["type"] == "page")
            self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout)
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, **params):
        """Sends one DevTools command and returns its result; events that arrive meanwhile are kept."""
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message["method"])

    def wait_event(self, name, tries=1200):
        """Waits for the event `name` (e.g. Page.loadEventFired), reading in 0.1 s slices."""
        for _ in range(tries):
            if name in self.events:
                self.events.clear()
                return
            self.ws.settimeout(0.1)
            try:
                message = json.loads(self.ws.recv())
                if "method" in message:
                    self.events.append(message["method"])
            except websocket.WebSocketTimeoutException:
                pass
            finally:
                self.ws.settimeout(self.timeout)
        raise RuntimeError(f"no {name}")

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")
