"""Drives headless Chromium, with JavaScript switched off, through two desks: a mission opens its
desk with the one-time link, fills in return.found-abroad by typing into the fields (a row added
with the form's own button), sends it; the secretariat's desk fetches it and shows it as a form
(and its print view); the mission's outbox then shows it delivered. Saves a screenshot of each
page. Usage: drive.py CHROMIUM MISSION_LINK SECRETARIAT_LINK SHOTS_DIR"""
import base64, html, json, os, re, socket, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from cdp import Checks, Chromium  # noqa: E402  (websocket-client: installed into a throwaway venv by scripts/e2e/desk.sh)

chromium, mission_link, secretariat_link, shots = sys.argv[1:5]
check = Checks()

with Chromium(chromium, window="1280,900", timeout=60) as browser:
    call, events = browser.call, browser.events

    def wait_load():
        """Waits for the next page load (no script runs on the pages: the load event is the end)."""
        browser.wait_event("Page.loadEventFired")

    def open_page(url):
        events.clear()
        call("Page.navigate", url=url)
        wait_load()
        return text()

    def document():
        return call("DOM.getDocument", depth=-1)["root"]["nodeId"]

    def source():
        return call("DOM.getOuterHTML", nodeId=document())["outerHTML"]

    def text():
        body = re.sub(r"(?s)<style>.*?</style>|<[^>]+>", " ", source())
        return re.sub(r"\s+", " ", html.unescape(body))

    def node(selector):
        found = call("DOM.querySelector", nodeId=document(), selector=selector)["nodeId"]
        if not found:
            raise RuntimeError(f"no element {selector}")
        return found

    def type_into(element_id, value):
        """Focuses the input and types the text, as a person would."""
        call("DOM.focus", nodeId=node(f'[id="{element_id}"]'))
        call("Input.insertText", text=value)

    def choose(element_id, value):
        """Selects an option of a select (no script: the option's selectedness)."""
        call("DOM.setAttributeValue", nodeId=node(f'[id="{element_id}"] option[value="{value}"]'), name="selected", value="selected")

    def set_value(element_id, value):
        """A date or date-time input (their pickers are not text)."""
        call("DOM.setAttributeValue", nodeId=node(f'[id="{element_id}"]'), name="value", value=value)

    def tick(selector):
        call("DOM.setAttributeValue", nodeId=node(selector), name="checked", value="checked")

    def click(selector):
        target = node(selector)
        call("DOM.scrollIntoViewIfNeeded", nodeId=target)
        quad = call("DOM.getBoxModel", nodeId=target)["model"]["content"]
        x, y = (quad[0] + quad[4]) / 2, (quad[1] + quad[5]) / 2
        events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        wait_load()
        return text()

    def follow(selector):
        """Follows a link (its href, as a click would)."""
        attributes = call("DOM.getAttributes", nodeId=node(selector))["attributes"]
        href = attributes[attributes.index("href") + 1]
        base = source_url()
        return open_page(base + href)

    def source_url():
        history = call("Page.getNavigationHistory")
        url = history["entries"][history["currentIndex"]]["url"]
        return url.split("/", 3)[0] + "//" + url.split("/", 3)[2]

    def screenshot_at(selector, name):
        """The viewport around an element (scrolled into view), as a person sees it."""
        call("DOM.scrollIntoViewIfNeeded", nodeId=node(selector))
        screenshot(name, full=False)

    def screenshot(name, full=True):
        params = {"format": "png"}
        if full:
            size = call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1})
        data = call("Page.captureScreenshot", **params)["data"]
        with open(os.path.join(shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(data))

    call("Page.enable")
    call("DOM.enable")
    call("Emulation.setScriptExecutionDisabled", value=True)
    mission = mission_link.split("/?")[0]
    secretariat = secretariat_link.split("/?")[0]

    # The mission opens its desk: the link signs in once and leaves the address bar clean.
    page_text = open_page(mission_link)
    check("Tryeza e Urës" in page_text and "Ura desk" in page_text, "the login link opens the mission's desk")
    history = call("Page.getNavigationHistory")
    check("token=" not in history["entries"][history["currentIndex"]]["url"], "the token is dropped from the address")
    screenshot("desk-home", full=False)
    page_text = open_page(mission_link)
    check("each link works once" in page_text, "the same link does not work a second time")

    page_text = open_page(mission + "/compose")
    check("Albanian victim found abroad" in page_text and "Njoftim për gjetjen" in page_text, "compose lists the forms a mission may send, in both languages")
    screenshot("desk-compose-list", full=False)
    page_text = follow('a[href="/compose/return.found-abroad"]')
    check("Marrësit" in page_text and "Recipients" in page_text, "the form opens with its envelope fields")
    screenshot("desk-compose", full=False)
    # Readable at 200% zoom: the page in a viewport of half the width at twice the density scrolls
    # down, not sideways.
    call("Emulation.setDeviceMetricsOverride", width=640, height=900, deviceScaleFactor=2, mobile=False)
    metrics = call("Page.getLayoutMetrics")
    check(metrics["cssContentSize"]["width"] <= metrics["cssLayoutViewport"]["clientWidth"] + 1, "at 200% zoom nothing needs a sideways scroll")
    screenshot("desk-compose-200", full=False)
    call("Emulation.clearDeviceMetricsOverride")

    # The keyboard reaches everything: the first Tab lands on "skip to content", the next ones go
    # through the menu and then the form's inputs, each with its label as its accessible name.
    def press_tab():
        for kind in ("rawKeyDown", "keyUp"):
            call("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9, nativeVirtualKeyCode=9)

    def focused_name():
        call("Accessibility.enable")
        focused = [n for n in call("Accessibility.getFullAXTree")["nodes"]
                   if n.get("role", {}).get("value") != "RootWebArea"
                   and any(p["name"] == "focused" and p["value"]["value"] for p in n.get("properties", []))]
        return focused[-1].get("name", {}).get("value", "") if focused else None

    call("Emulation.setFocusEmulationEnabled", enabled=True)
    press_tab()
    first = focused_name() or ""
    check("Kalo te përmbajtja" in first, f"the first Tab lands on the skip link ({first!r})")
    names = []
    for _ in range(16):
        press_tab()
        names.append(focused_name() or "")
    check(any("Referenca e rastit" in n and "Case reference" in n for n in names),
          f"Tab reaches the case reference, named by its label in both languages ({names!r})")

    # Fill in the form by typing; add a family row with the form's own button (no script).
    type_into("case", "AL-2026-000061")
    choose("subject", "adult")
    choose("priority", "immediate")
    type_into("f/person/given_name", "Klodiana")
    type_into("f/person/family_name", "Shehu")
    choose("f/person/sex", "female")
    type_into("f/person/age_years", "22")
    type_into("f/person/nationality", "AL")
    type_into("f/found_in", "IT")
    set_value("f/found_on", "2026-11-18")
    type_into("f/circumstances", "Found by the Carabinieri in Rome; asked to speak to the Albanian embassy.")
    choose("f/current_location", "host-country-shelter")
    choose("f/wishes_to_return", "yes")
    tick('input[name="f/needs"][value="health"]')
    choose("f/risk_level", "high")
    page_text = click('button[value="add:/family_in_albania"]')
    check("row 1" in page_text and "Klodiana" in source(), "adding a row keeps what was typed (JavaScript off)")
    choose("f/family_in_albania/0/relation", "father")
    type_into("f/family_in_albania/0/given_name", "Petrit")
    type_into("f/signatures/0/name", "Eneida Gjini")
    type_into("f/signatures/0/role", "Consular officer")
    type_into("f/signatures/0/institution", "Embassy of Albania in Rome")
    # Left out on purpose first: the signature's time; the error shows at that field.
    page_text = click('button.primary[value="send"]')
    check("This field is required" in page_text and 'id="ef/signatures/0/signed_at"' in source(), "a missing value is shown at its field, in Albanian and English")
    screenshot("desk-compose-error", full=False)
    screenshot_at('[id="f/signatures/0/signed_at"]', "desk-compose-error-field")
    set_value("f/signatures/0/signed_at", "2026-11-18T15:00")
    call("DOM.scrollIntoViewIfNeeded", nodeId=node('[id="main"]'))
    screenshot("desk-compose-full")
    page_text = click('button.primary[value="send"]')
    check("The message is sealed and kept in the outbox" in page_text, "sending seals the message into the outbox")
    check("accepted" in page_text or "delivered" in page_text, "the gateway accepted it")

    # The secretariat's desk: fetch, verify, decrypt, keep, acknowledge; shown as a form.
    page_text = open_page(secretariat_link)
    check("al.mpb.secretariat" in page_text, "the secretariat's desk opens (its own session, its own cookie)")
    open_page(secretariat + "/inbox")
    page_text = click('form[action="/inbox"] button')
    check("Albanian victim found abroad" in page_text and "verified, kept, acknowledged" in page_text, "the message is fetched, kept and acknowledged")
    screenshot("desk-inbox", full=False)
    page_text = follow('td a[href^="/inbox/"]')
    check("Found on" in page_text and "Gjetur më" in page_text and "Klodiana" in page_text and "Carabinieri" in page_text,
          "the message is shown as the form with its field titles")
    check('"found_on"' not in source(), "not as JSON")
    screenshot("desk-message")
    page_text = follow('a[href$="/print"]')
    check("Menu" not in source() and "Klodiana" in page_text, "the print view has the form without the menus")
    screenshot("desk-print")

    # The mission sees it delivered.
    open_page(mission + "/outbox")
    page_text = click('form[action="/outbox"] button')
    check("delivered" in page_text, "the mission's outbox shows delivered")
    screenshot("desk-outbox", full=False)
    page_text = open_page(mission + "/receipts")
    check("al.mpb.secretariat" in source(), "the receipt names the secretariat")
    page_text = open_page(mission + "/declaration")
    check("Confidentiality declaration" in page_text, "the A1 declaration is a form")
    screenshot("desk-declaration", full=False)

    # The gateway goes away: a form sent now waits in the outbox (retrying, with the next try and
    # the last error) and goes once the gateway is back. desk.sh says how to stop and start urad.
    urad_pid = os.environ.get("DESK_URAD_PID")
    if urad_pid:
        os.kill(int(urad_pid), 15)
        gateway_port = int(os.environ["DESK_URAD_PORT"])
        for _ in range(1200):  # until urad has exited (a zombie of desk.sh's shell counts as exited)
            try:
                with open(f"/proc/{urad_pid}/status") as status:
                    if any(l.startswith("State:") and "Z" in l.split()[1] for l in status):
                        break
            except FileNotFoundError:
                break
            time.sleep(0.05)
        open_page(mission + "/compose/return.found-abroad")
        type_into("case", "AL-2026-000063")
        choose("subject", "adult")
        type_into("f/person/given_name", "Arbena")
        choose("f/person/sex", "female")
        type_into("f/found_in", "GR")
        set_value("f/found_on", "2026-11-19")
        type_into("f/circumstances", "Came to the consulate in Thessaloniki on her own.")
        choose("f/current_location", "mission-premises")
        choose("f/wishes_to_return", "undecided")
        choose("f/risk_level", "medium")
        type_into("f/signatures/0/name", "Eneida Gjini")
        type_into("f/signatures/0/role", "Consular officer")
        type_into("f/signatures/0/institution", "Embassy of Albania in Athens")
        set_value("f/signatures/0/signed_at", "2026-11-19T10:00")
        page_text = click('button.primary[value="send"]')
        check("retrying" in page_text and "Next try" in page_text and "cannot be reached" in page_text,
              "with the gateway down the message waits: retrying, the next try and the last error")
        screenshot("desk-outbox-retrying", full=False)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("URA_")}
        environment.update(URA_LISTEN__PORT=str(gateway_port), URA_ADMIN__PORT="0")
        errors = tempfile.TemporaryFile(mode="w+")
        restarted = subprocess.Popen(os.environ["DESK_URAD_COMMAND"].split("\t"), env=environment,
                                     stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            started = False
            for line in restarted.stdout:
                if "listening on https://" in line:
                    started = True
                    break
            if not started:
                errors.seek(0)
                raise RuntimeError("urad did not start again: " + errors.read()[-2000:])
            page_text = click('form[action="/outbox"] button')
            check("waiting" not in page_text and "retrying" not in page_text and page_text.count("Albanian victim found abroad") == 2,
                  "once the gateway is back the waiting message is sent")
            screenshot("desk-outbox-after", full=False)
        finally:
            restarted.terminate()
            restarted.wait()

if check.failures:
    print(f"{len(check.failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("desk: every check passed")
