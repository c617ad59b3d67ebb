"""Every generated map, opened in headless Chromium with the network blocked.

The maps come from the small synthetic PlanResult in ``_render_fixtures``; a
screenshot of each is saved in ``tests/_artifacts/`` for a person to look at.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _render_browser import chromium, console_errors, network_events, open_map
from _render_fixtures import SCRIPT_NAME, XSS_NAME, make_result
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
MAPS = [
    "priority_resettlement",
    "priority_infrastructure",
    "priority_investment",
    "hazard_overlay",
    "dashboard",
]
EXPECTED_LAYERS = {
    "priority_resettlement": [
        "Thôn, làng: cấp ưu tiên",
        "Điểm ưu tiên cấp xã",
        "Ranh giới huyện",
        "Địa hình (bóng đổ từ DEM)",
    ],
    "hazard_overlay": [
        "Thôn theo mức phơi nhiễm",
        "Vùng nguy cơ sạt lở",
        "Rừng theo loại",
        "Vành đai biên giới (5 km)",
        "Đường biên giới",
        "Xác suất sạt lở (mô hình)",
    ],
    "dashboard": ["Nông thôn mới", "Tỷ lệ hộ nghèo theo xã", "Thôn, làng: tỷ lệ hộ nghèo"],
}
EXPECTED_LAYERS["priority_infrastructure"] = list(EXPECTED_LAYERS["priority_resettlement"])
EXPECTED_LAYERS["priority_investment"] = list(EXPECTED_LAYERS["priority_resettlement"])
# the plan's layers: on the resettlement and hazard maps only
PLAN_LAYERS = ["Điểm tái định cư đề xuất", "Di dời đề xuất", "Quỹ đất tái định cư còn trống"]
EXPECTED_LAYERS["priority_resettlement"] += PLAN_LAYERS
# the hazard map leaves the unused candidates to the resettlement map
EXPECTED_LAYERS["hazard_overlay"] += PLAN_LAYERS[:2]
EXPECTED_LAYERS["hazard_overlay"] += [
    "Vùng nguy cơ theo mô hình",
    "Chênh lệch chính thức – mô hình",
]
EXPECTED_LAYERS["dashboard"] += ["Khoảng cách đến mục tiêu T5", "Xã mới (2025)"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    from geoplan.render import write_outputs

    out = tmp_path_factory.mktemp("render") / "maps"
    write_outputs(make_result(), out)
    return out


@pytest.fixture(scope="module")
def driver():
    with chromium(1366, 768) as d:
        yield d


@pytest.fixture
def opened(driver, outputs, request):
    """Open one map; after the test, check no request left and nothing went wrong."""
    name = request.param
    open_map(driver, outputs / f"{name}.html")
    yield driver, name
    _no_alert(driver)
    net = network_events(driver)
    assert net["sent"] == [], f"{name}: requests left the machine: {net['sent']}"
    assert net["failed"] == [], f"{name}: failed requests: {net['failed']}"
    assert console_errors(driver) == [], f"{name}: console errors"


def _no_alert(driver) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"a script ran and opened an alert: {text!r}")


def _search(driver, text: str) -> list[str]:
    box = driver.find_element(By.CSS_SELECTOR, ".gp-search-input")
    box.clear()
    box.send_keys(text)
    time.sleep(0.1)
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".gp-search-hit .gp-hit-name")]


def _choose_first_hit(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, ".gp-search-hit").click()
    time.sleep(0.2)


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_map_opens_offline_and_screenshot(opened):
    driver, name = opened
    time.sleep(0.3)
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    # the map drew: villages are on it and the hillshade image decoded from its data URI
    assert driver.execute_script("return GP.layers.villages.getLayers().length") == 30
    assert driver.execute_script(
        "var i = GP.layers.hillshade.getElement(); return i.complete && i.naturalWidth > 0"
    )


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_layers_legends_and_controls(opened):
    driver, name = opened
    labels = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.textContent.trim())"
    )
    for expected in EXPECTED_LAYERS[name]:
        assert any(label.startswith(expected) for label in labels), (expected, labels)
    # every overlay carries its legend (a swatch, or its classes while shown)
    undecorated = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".filter(l => !l.querySelector('.gp-legend') && l.querySelector('input').checked)"
        ".map(l => l.textContent)"
    )
    assert undecorated == []
    items = driver.find_elements(
        By.CSS_SELECTOR, ".gp-leg-inline[data-layer='villages'] .gp-leg-item"
    )
    assert len(items) >= 4
    for selector in (
        ".leaflet-control-scale",
        ".gp-coords",
        ".gp-fullscreen a",
        ".gp-search-input",
        ".leaflet-control-layers",
    ):
        assert driver.find_elements(By.CSS_SELECTOR, selector), selector
    coords = driver.find_element(By.CSS_SELECTOR, ".gp-coords").text
    assert "WGS 84" in coords and "VN-2000" in coords
    # Vietnamese number formatting: decimal comma in the WGS 84 readout
    assert "," in coords.split("N")[0]
    assert "Dữ liệu minh hoạ tổng hợp" in driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_popup_opens_on_click(opened):
    driver, _ = opened
    name = driver.execute_script(
        "var l = GP.layers.villages.getLayers()[10]; GP.map.setView(l.getLatLng(), 12,"
        " {animate: false});"
        "return l.feature.properties.n"
    )
    time.sleep(0.2)
    ActionChains(driver).move_to_element(
        driver.find_element(By.CSS_SELECTOR, ".folium-map")
    ).click().perform()
    time.sleep(0.3)
    popup = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert popup.find_element(By.CSS_SELECTOR, ".gp-pop-title").text == name
    assert popup.find_elements(By.CSS_SELECTOR, ".gp-pop-table tr")


@pytest.mark.parametrize("opened", ["priority_resettlement"], indirect=True)
def test_priority_popup_has_score_class_interval_bars_and_reason(opened):
    driver, _ = opened
    driver.execute_script(
        "var l = GP.layers.villages.getLayers().find(x => x.feature.properties.k === 1);"
        " l.openPopup(); GP.map.setView(l.getLatLng(), 12, {animate: false});"
    )
    text = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").get_attribute("innerText")
    for label in ("Điểm ưu tiên", "Khoảng thứ hạng", "Đóng góp vào điểm", "Lý do", "1 – Rất cao"):
        assert label in text
    assert len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .gp-bar")) == 3


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_search_ignores_accents(opened):
    driver, _ = opened
    hits = _search(driver, "dak glei")
    assert "Đắk Glei" in hits
    hits = _search(driver, "MANG CANH")
    assert "Măng Cành" in hits
    _search(driver, "dak glei")
    _choose_first_hit(driver)
    assert (
        driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .gp-pop-title").text
        == "Đắk Glei"
    )


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_script_named_villages_show_as_text(opened):
    driver, _ = opened
    for query, name in (("onerror", XSS_NAME), ("pwned", SCRIPT_NAME)):
        hits = _search(driver, query)
        assert hits == [name]
        _choose_first_hit(driver)
        _no_alert(driver)
        title = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .gp-pop-title")
        assert title.text == name
        assert title.find_elements(By.CSS_SELECTOR, "*") == []
    assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert driver.execute_script("return typeof window.__pwned") == "undefined"


@pytest.mark.parametrize("opened", ["hazard_overlay"], indirect=True)
def test_hazard_popup_and_exposure_table(opened):
    driver, _ = opened
    driver.execute_script(
        "var l = GP.layers.villages.getLayers().find(x => x.feature.properties.k === 3);"
        " l.openPopup(); GP.map.setView(l.getLatLng(), 12, {animate: false});"
    )
    text = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").get_attribute("innerText")
    for label in (
        "Số hộ phơi nhiễm theo cấp",
        "Đến biên giới",
        "Lý do cần rà soát",
        "Nằm trong vùng nguy cơ cao",
    ):
        assert label in text
    driver.find_element(By.CSS_SELECTOR, ".gp-panel-head").click()
    rows = driver.find_elements(By.CSS_SELECTOR, ".gp-panel-body table tbody tr")
    assert len(rows) >= 2
    # the susceptibility raster is off at opening and can be switched on
    driver.execute_script("GP.map.addLayer(GP.layers.susceptibility)")
    assert driver.execute_script(
        "var i = GP.layers.susceptibility.getElement(); return i.complete && i.naturalWidth > 0"
    )


@pytest.mark.parametrize("opened", ["hazard_overlay"], indirect=True)
def test_hazard_model_layers_toggle_on(opened):
    """The model's zones and the disagreement are off at opening; on, they draw cleanly."""
    driver, _ = opened
    for lid in ("model_zones", "disagreement"):
        assert not driver.execute_script(f"return GP.map.hasLayer(GP.layers.{lid})")
        label = driver.find_element(
            By.CSS_SELECTOR, f".leaflet-control-layers-overlays label[data-layer='{lid}'] input"
        )
        label.click()  # through the layer control, as a user would
        time.sleep(0.2)
        assert driver.execute_script(f"return GP.map.hasLayer(GP.layers.{lid})")
    assert driver.execute_script("return GP.layers.model_zones.getLayers().length") == 5
    assert driver.execute_script("return GP.layers.disagreement.getLayers().length") == 3
    # the decoded rings lie in the fixture's communes
    bounds = driver.execute_script(
        "var b = GP.layers.model_zones.getBounds(); return [b.getSouth(), b.getWest(),"
        " b.getNorth(), b.getEast()]"
    )
    assert 14.59 < bounds[0] < bounds[2] < 14.8 and 107.69 < bounds[1] < bounds[3] < 108.0
    legend = driver.find_element(
        By.CSS_SELECTOR, ".gp-leg-inline[data-layer='disagreement']"
    ).get_attribute("innerText")
    assert "Mô hình cao hơn" in legend and "Mô hình thấp hơn" in legend
    driver.execute_script(
        "var l = GP.layers.disagreement.getLayers()[0];"
        " GP.map.fitBounds(l.getBounds(), {animate: false});"
        " l.openPopup(l.getBounds().getCenter());"
    )
    text = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").get_attribute("innerText")
    assert "1 – Rất thấp" in text and "3 – Trung bình" in text
    driver.find_element(By.CSS_SELECTOR, ".gp-panel-head").click()
    panel = driver.find_element(By.CSS_SELECTOR, ".gp-panel-body").get_attribute("innerText")
    assert "AUC kiểm định chéo theo không gian" in panel
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "hazard_overlay_model.png"))


@pytest.mark.parametrize("opened", ["priority_resettlement"], indirect=True)
def test_resettlement_sites_and_moves(opened):
    driver, _ = opened
    assert driver.execute_script("return GP.layers.sites.getLayers().length") == 2
    assert driver.execute_script("return GP.layers.moves.getLayers().length") == 3
    # the unused candidates are off at opening and can be switched on
    assert not driver.execute_script("return GP.map.hasLayer(GP.layers.candidate_sites)")
    legend = driver.find_element(
        By.CSS_SELECTOR, ".gp-leg-inline[data-layer='sites']"
    ).get_attribute("innerText")
    assert "Đã sử dụng" in legend
    driver.execute_script(
        "var l = GP.layers.sites.getLayers().find(x => x.feature.properties.n === 'S2');"
        " GP.map.fitBounds(l.getBounds(), {animate: false});"
        " l.openPopup(l.getBounds().getCenter());"
    )
    popup = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    text = popup.get_attribute("innerText")
    for label in ("Sức chứa (hộ)", "Còn trống (hộ)", "Các thôn chuyển đến", "Độ dốc trung bình"):
        assert label in text
    # the script-named villages moving in are listed as text
    items = [li.text for li in popup.find_elements(By.CSS_SELECTOR, ".gp-pop-list li")]
    assert any(item.startswith(XSS_NAME) for item in items)
    assert any(item.startswith(SCRIPT_NAME) for item in items)
    assert popup.find_elements(By.CSS_SELECTOR, ".gp-pop-list li *") == []
    driver.execute_script(
        "GP.map.closePopup(); var l = GP.layers.moves.getLayers()[1];"
        " GP.map.fitBounds(l.getBounds(), {animate: false});"
        " l.openPopup(l.getBounds().getCenter());"
    )
    time.sleep(0.4)  # the site's popup fades out
    popups = driver.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
    text = popups[-1].get_attribute("innerText")
    assert XSS_NAME in text and "Khoảng cách" in text and "Di dời sang xã khác" not in text
    assert "Trong cùng xã" in text
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "priority_resettlement_sites.png"))


@pytest.mark.parametrize("opened", ["priority_resettlement"], indirect=True)
def test_vn2000_readout_matches_proj(opened):
    from pyproj import Transformer

    driver, _ = opened
    t = Transformer.from_crs("EPSG:4326", "EPSG:9216", always_xy=True)
    for lat, lon in ((14.35, 107.6), (15.4, 107.9), (14.0, 108.55), (14.7, 107.3)):
        e, n = driver.execute_script(f"return GP.vn2000({lat}, {lon})")
        pe, pn = t.transform(lon, lat)
        assert abs(e - pe) < 0.05 and abs(n - pn) < 0.05, (lat, lon, e - pe, n - pn)
