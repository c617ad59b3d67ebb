"""Every map the demo writes, opened in headless Chromium with the network blocked.

The fixture-based browser tests (test_browser_maps.py) check each feature in detail on
a small hand-made result; these check the real demo outputs as a leader would open them.
"""

from __future__ import annotations

import pytest
from _render_browser import console_errors, network_events, open_map, wait_for
from selenium.webdriver.common.by import By

MAPS = [
    "priority_resettlement",
    "priority_infrastructure",
    "priority_investment",
    "hazard_overlay",
    "dashboard",
]
MAX_BYTES = 5 * 1024 * 1024

# the browsers (`driver`, `phone`) are the session's, from conftest.py
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["laptop", "phone"])
@pytest.mark.parametrize("name", MAPS)
def test_demo_map_works_offline(request, demo_outputs, demo_result, name, size):
    driver = request.getfixturevalue("driver" if size == "laptop" else "phone")
    path = demo_outputs / f"{name}.html"
    assert path.stat().st_size < MAX_BYTES
    open_map(driver, path)
    # the layer control is open on a laptop, folded to a button on a phone
    closed = driver.execute_script(
        "return GP.layerControl._container.classList.contains('gp-lc-closed')"
    )
    assert closed == (size == "phone")
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
    wait_for(driver, "document.querySelector('.gp-search-hit')")
    hits = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".gp-search-hit .gp-hit-name")]
    assert "Đăk Pék" in hits


def test_demo_search_lists_each_place_once_whatever_the_spelling(driver, demo_outputs):
    """Apostrophes, spaces and hyphens fold away; no place is listed twice."""
    open_map(driver, demo_outputs / "hazard_overlay.html")
    box = driver.find_element(By.CSS_SELECTOR, ".gp-search-input")
    lists = []
    # the demo's communes are the 2025 units: Đăk Rơ Wa, spelled four ways
    for spelling in ("dak rowa", "dak ro'wa", "dak ro wa", "DAK RO-WA"):
        box.clear()
        box.send_keys(spelling)
        wait_for(driver, "document.querySelector('.gp-search-hit, .gp-search-none')")
        hits = driver.execute_script(
            "return Array.from(document.querySelectorAll('.gp-search-hit'))"
            ".map(li => li.textContent)"
        )
        assert len(hits) == len(set(hits)), hits
        lists.append(hits)
    assert lists[0] and all(hits == lists[0] for hits in lists)
