"""Every map the demo writes, opened in headless Chromium with the network blocked.

The fixture-based browser tests (test_browser_maps.py) check each feature in detail on
a small hand-made result; these check the real demo outputs as a leader would open them.
"""

from __future__ import annotations

import time

import pytest
from _render_browser import chromium, console_errors, network_events, open_map
from selenium.webdriver.common.by import By

MAPS = [
    "priority_resettlement",
    "priority_infrastructure",
    "priority_investment",
    "hazard_overlay",
    "dashboard",
]
MAX_BYTES = 5 * 1024 * 1024

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver():
    with chromium(1366, 768) as d:
        yield d


@pytest.mark.parametrize("name", MAPS)
def test_demo_map_works_offline(driver, demo_outputs, demo_result, name):
    path = demo_outputs / f"{name}.html"
    assert path.stat().st_size < MAX_BYTES
    open_map(driver, path)
    time.sleep(0.3)
    villages = driver.execute_script("return GP.layers.villages.getLayers().length")
    assert villages == len(demo_result.scoring.villages)
    assert driver.execute_script(
        "var i = GP.layers.hillshade.getElement(); return i.complete && i.naturalWidth > 0"
    )
    # Synthetic data says so on the map's face.
    banner = driver.find_element(By.CSS_SELECTOR, "body").text
    assert "tổng hợp" in banner or "synthetic" in banner.lower()
    net = network_events(driver)
    assert net["sent"] == [], f"{name}: requests left the machine: {net['sent']}"
    assert net["failed"] == [], f"{name}: failed requests: {net['failed']}"
    assert console_errors(driver) == [], f"{name}: console errors"


def test_demo_search_finds_a_real_commune_without_accents(driver, demo_outputs):
    # the demo plans in the 2025 structure: its communes are the real units of 2025
    open_map(driver, demo_outputs / "priority_infrastructure.html")
    box = driver.find_element(By.CSS_SELECTOR, ".gp-search-input")
    box.clear()
    box.send_keys("dak pek")
    time.sleep(0.2)
    hits = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".gp-search-hit .gp-hit-name")]
    assert "Đăk Pék" in hits
