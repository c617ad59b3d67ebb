"""Headless Chromium (Debian's package) driven by Selenium, with the network blocked.

Used by the browser tests and by ``benchmarks/bench_maps.py``.  Selenium Manager is
never asked to download anything: the driver and the browser are given by path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PHONE_WIDTH = 600
#: the two window sizes the browser tests use: a laptop and a phone (width, height)
LAPTOP = (1366, 768)
PHONE = (390, 844)
#: how often a wait asks the page again, in seconds
POLL = 0.03
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]


@contextmanager
def chromium(width: int = 1400, height: int = 900):
    """Yield a Selenium driver for headless Chromium with every network request blocked."""
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="gp-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        if width < PHONE_WIDTH:
            # a headless window is at least 500 px wide: emulate the phone's screen instead
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_map(driver: Any, path: Path, timeout: float = 20.0) -> float:
    """Open a map file and wait until the runtime says it is drawn; return the time in ms."""
    driver.get_log("performance")  # drop events of earlier pages
    driver.get_log("browser")
    driver.get(Path(path).resolve().as_uri())
    try:
        ready = wait_for(driver, "window.geoplanReady || null", timeout=timeout)
    except TimeoutError:
        raise TimeoutError(f"{path} did not become ready in {timeout} s") from None
    return float(ready)


#: Chromium's own pages and extensions: requests to them never leave the machine
LOCAL_SCHEMES = ("file:", "data:", "blob:", "chrome:", "chrome-extension:", "devtools:", "about:")


def network_events(driver: Any) -> dict[str, list[str]]:
    """Requests that could leave the machine (not file:, data:, blob: or Chromium's own
    chrome:// pages), and every failed request."""
    sent, failed = [], []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                sent.append(url)
        elif method == "Network.loadingFailed":
            failed.append(
                f"{params.get('errorText')} {params.get('blockedReason', '')}"
                f" {params.get('requestId')}"
            )
    return {"sent": sent, "failed": failed}


def console_errors(driver: Any) -> list[str]:
    """Console messages of level SEVERE (errors, uncaught exceptions, failed loads)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for(driver: Any, script: str, timeout: float = 10.0) -> Any:
    """Run ``script`` (a JavaScript expression after ``return``) until it is truthy; return it."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=POLL).until(
            lambda d: d.execute_script(f"return ({script})")
        )
    except TimeoutException:
        raise TimeoutError(f"still false after {timeout} s: {script}") from None


def rect(driver: Any, selector: str) -> dict[str, float] | None:
    """The bounding box of the first visible element matching ``selector`` (None if none)."""
    return driver.execute_script(
        "var e = document.querySelector(arguments[0]); if (!e) return null;"
        " var r = e.getBoundingClientRect();"
        " return r.width && r.height ? {l: r.left, t: r.top, r: r.right, b: r.bottom} : null",
        selector,
    )


def overlaps(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    """Whether two boxes from :func:`rect` overlap."""
    if a is None or b is None:
        return False
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]
