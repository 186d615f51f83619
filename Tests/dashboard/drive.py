"""Drives headless Chromium through the DevTools protocol over the dashboard: logs in with the
one-time link, opens every page, checks its text, saves a screenshot of each, clicks a dead
letter's redrive button and checks that it worked. Usage: drive.py CHROMIUM BASE_URL TOKEN SHOTS_DIR"""
import base64, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from cdp import Checks, Chromium  # noqa: E402  (websocket-client: installed into a throwaway venv by scripts/e2e/dashboard.sh)

chromium, base, token, shots = sys.argv[1:5]
check = Checks()

with Chromium(chromium, window="1400,1000", timeout=30) as browser:
    call, evaluate = browser.call, browser.evaluate

    def wait_loaded(previous_url=None):
        for _ in range(400):
            if evaluate("document.readyState") == "complete" and (previous_url is None or evaluate("location.href") != previous_url):
                return
            time.sleep(0.05)
        raise RuntimeError("the page did not load")

    def open_page(path):
        call("Page.navigate", url=base + path)
        time.sleep(0.05)
        wait_loaded()
        return evaluate("document.body.innerText")

    def screenshot(name):
        data = call("Page.captureScreenshot", format="png")["data"]
        with open(os.path.join(shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(data))

    call("Page.enable")
    call("Runtime.enable")
    text = open_page("/")
    check("Sign in" in text, "without a session the dashboard asks to sign in")
    text = open_page("/login?token=" + token)
    check("Overview" in text and "Përmbledhje" in text, "the login link opens the overview")
    pages = {
        "overview": ("/", ["Retrying", "Delivered", "Dead letters", "Open deadlines", "Overdue deadlines", "verified intact",
                           "al.shelter.qkpvt", "failing", "+01:00"]),
        "messages": ("/messages", ["Albanian victim found abroad", "Referim në qendër emergjence", "AL-2026-000901", "+01:00"]),
        "messages-by-case": ("/messages?case=AL-2026-000902", ["AL-2026-000902", "retry scheduled"]),
        "messages-retrying": ("/messages?state=retry_scheduled", ["AL-2026-000902"]),
        "deadlines": ("/deadlines", ["overdue", "Request for a socio-economic and security assessment", "AL-2026-000901", "overdue by"]),
        "case": ("/cases/AL-2026-000901", ["Albanian victim found abroad", "triggered again by", "repeats", "Declarations (A1)",
                                           "interpreter", "delivered", "+01:00"]),
        "trends": ("/trends", ["Messages and deliveries per day", "p50", "p99", "Open and overdue deadlines per agency", "overdue"]),
        "statistics": ("/statistics", ["Threshold", "Suppressed as small", "Download CSV", "By county"]),
        "dead-letters": ("/dead-letters", ["al.shelter.tjeter-vizion", "expire", "Redrive"]),
        "agencies": ("/agencies", ["al.shelter.qkpvt", "failing", "refused", "al.mpb.secretariat", "shelter"]),
        "declarations": ("/declarations?case=AL-2026-000901", ["interpreter", "al.police.dvp-tirane"]),
    }
    raw_codes = ["in_flight", "dead_letter", "retry_scheduled", "delivery.retry_scheduled", "deadline: ", "return.found-abroad"]
    everything = ""
    for name, (path, expected) in pages.items():
        text = open_page(path)
        everything += text + evaluate("document.documentElement.outerHTML")
        for needle in expected:
            check(needle in text, f"{path} shows '{needle}'")
        for code in raw_codes:
            check(code not in text, f"{path} shows no raw code '{code}'")
        check(evaluate("document.querySelector('meta[http-equiv=refresh]') !== null"), f"{path} refreshes itself")
        screenshot(name)
    open_page("/trends")
    check(evaluate("document.querySelectorAll('svg.chart').length") == 3 and evaluate("document.scripts.length") == 0,
          "/trends draws three charts as SVG without a script")
    open_page("/messages")
    check(evaluate("document.querySelectorAll('form.filters select').length") == 3, "the type, agency and state filters are selects")
    # A message's own page: its timeline of attempts from the ledger.
    open_page("/messages?case=AL-2026-000902&type=referral.shelter")
    href = evaluate("document.querySelector('td a[href^=\"/messages/\"]').getAttribute('href')")
    text = open_page(href)
    check("retry scheduled" in text and "message accepted" in text, f"{href} shows the attempts in words")
    screenshot("message")
    everything += text
    check("MARKER-DASHBOARD-SECRET" not in everything, "no page shows a body's or a declarant's name")
    check("PRIVATE KEY" not in everything, "no page shows a key")

    # The redrive button, clicked in the browser: a same-origin POST with the CSRF token.
    open_page("/dead-letters")
    before = evaluate("location.href")
    evaluate("document.querySelector('form.redrive button').click()")
    wait_loaded(before)
    text = evaluate("document.body.innerText")
    check("Redriven:" in text and "No dead letter" in text, "the redrive button put the dead letter back in the queue")
    screenshot("dead-letters-after-redrive")
    text = open_page("/messages?state=pending&agency=al.shelter.tjeter-vizion")
    check("AL-2026-000903" in text, "the redriven message is pending again")

print(f"screenshots in {shots}")
sys.exit(1 if check.failures else 0)
