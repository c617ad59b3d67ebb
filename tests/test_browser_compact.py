"""A map of 5,000 villages (a compact canvas layer) in headless Chromium, network blocked.

Clicking a village opens its popup, the search finds a village by name, and a name made of
markup reaches the popup as text.  Waits for conditions, never for a fixed time.
"""

from __future__ import annotations

import json

import pytest
from _render_browser import console_errors, network_events, open_map, wait_for
from _render_fixtures import SCRIPT_NAME, make_result
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from geoplan.render.context import prepare
from geoplan.render.map_base import save_map
from geoplan.render.map_compact import COMPACT_MIN_POINTS, decode_column
from geoplan.render.map_priority import priority_map

pytestmark = pytest.mark.browser

POPUP_TITLE = (
    "document.querySelectorAll('.leaflet-popup').length === 1 &&"
    " getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1' &&"
    " document.querySelector('.leaflet-popup .gp-pop-title').textContent"
)


@pytest.fixture(scope="module")
def big_map(tmp_path_factory):
    ctx = prepare(make_result(villages_per_commune=834), "vi")
    assert len(ctx.villages) > COMPACT_MIN_POINTS
    path = tmp_path_factory.mktemp("compact") / "priority_resettlement.html"
    save_map(priority_map(ctx, "resettlement"), path)
    return path


def _villages_payload(path) -> dict:
    html = path.read_text(encoding="utf-8")
    start = html.index("{", html.index('GP.dataLayer("villages"'))
    data, _ = json.JSONDecoder().raw_decode(html, start)
    assert data["type"] == "Columns"
    return data


def _search_and_choose(driver, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, ".gp-search-input")
    box.clear()
    box.send_keys(text)
    wait_for(driver, "document.querySelector('.gp-search-hit')")
    driver.find_element(By.CSS_SELECTOR, ".gp-search-hit").click()


def test_compact_villages_click_search_and_escape(big_map, driver):
    # the session's laptop browser (conftest.py)
    open_map(driver, big_map)
    n = driver.execute_script("return GP.layers.villages.n")
    assert n == 6 * 834
    # the runtime reads the columns as map_compact wrote them
    data = _villages_payload(big_map)
    rows = [0, 1, n // 2, n - 1]
    decoded = {key: decode_column(col) for key, col in data["cols"].items()}
    in_browser = driver.execute_script(
        "return arguments[0].map(i => GP.layers.villages.props(i))", rows
    )
    assert in_browser == [{key: decoded[key][i] for key in decoded} for i in rows]

    # a click on a village drawn on the canvas opens its popup
    i = n - 7
    name = driver.execute_script(
        "var l = GP.layers.villages; GP.map.setView(l.latLng(arguments[0]), 15,"
        " {animate: false}); return l.value('n', arguments[0])",
        i,
    )
    point = driver.execute_script(
        "var p = GP.map.latLngToContainerPoint(GP.layers.villages.latLng(arguments[0]));"
        " return [Math.round(p.x), Math.round(p.y)]",
        i,
    )
    box = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    size = box.size
    ActionChains(driver).move_to_element_with_offset(
        box, point[0] - size["width"] // 2, point[1] - size["height"] // 2
    ).click().perform()
    assert wait_for(driver, POPUP_TITLE) == name

    # the search finds a village among thousands by name and opens it
    driver.execute_script("GP.map.closePopup()")
    _search_and_choose(driver, "Thôn 4321")
    assert wait_for(driver, POPUP_TITLE) == "Thôn 4321"

    # ... and by its code
    driver.execute_script("GP.map.closePopup()")
    _search_and_choose(driver, "V4321")
    assert wait_for(driver, POPUP_TITLE) == "Thôn 4321"

    # markup in a name is text in the popup, not elements, and runs nothing
    driver.execute_script("GP.map.closePopup()")
    _search_and_choose(driver, "pwned")
    assert wait_for(driver, POPUP_TITLE) == SCRIPT_NAME
    assert driver.execute_script(
        "return window.__pwned === undefined &&"
        " !document.querySelector('.leaflet-popup script, .leaflet-popup img')"
    )
    assert network_events(driver)["sent"] == []
    assert console_errors(driver) == []
