"""Every generated map, opened in headless Chromium with the network blocked.

The maps come from the small synthetic PlanResult in ``_render_fixtures``; a
screenshot of each, on a laptop (1366x768) and a phone (390x844), is saved in
``tests/_artifacts/`` for a person to look at.  One browser per window size (the
session's, from conftest.py) serves every browser test; tests wait for conditions,
never for a fixed time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _render_browser import (
    LAPTOP,
    PHONE,
    console_errors,
    network_events,
    open_map,
    overlaps,
    rect,
    wait_for,
)
from _render_fixtures import SCRIPT_NAME, XSS_NAME, make_result
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
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


SIZES = {"laptop": LAPTOP, "phone": PHONE}  # the session's `driver` and `phone` (conftest.py)


@pytest.fixture
def sized(request, outputs):
    """Open one map at one window size; afterwards check that nothing left or failed."""
    size, name = request.param
    d = request.getfixturevalue("driver" if size == "laptop" else "phone")
    open_map(d, outputs / f"{name}.html")
    yield d, name, size
    _no_alert(d)
    net = network_events(d)
    assert net["sent"] == [], f"{name}: requests left the machine: {net['sent']}"
    assert net["failed"] == [], f"{name}: failed requests: {net['failed']}"
    assert console_errors(d) == [], f"{name}: console errors"


EVERY = [(size, name) for size in SIZES for name in MAPS]


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
    # the list is rebuilt on every key: wait until it answers the whole query
    wait_for(
        driver,
        "document.querySelector('.gp-search-hit, .gp-search-none') &&"
        f" GP.fold(document.querySelector('.gp-search-input').value) === GP.fold({text!r})",
    )
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".gp-search-hit .gp-hit-name")]


#: a popup is open and has faded in (Selenium reads no text from a transparent element)
POPUP_SHOWN = (
    "document.querySelectorAll('.leaflet-popup').length === 1 &&"
    " getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1' &&"
    " !!document.querySelector('.leaflet-popup .gp-pop-title')"
)


def _open_popup(driver, layer: str, vid: str) -> str:
    """Open the popup of village ``vid`` on ``layer``; return its text once it has faded in."""
    name = driver.execute_script(
        "GP.map.closePopup(); var l = GP.layers[arguments[0]].getLayers()"
        ".find(x => x.feature.properties.id === arguments[1]);"
        " GP.map.setView(l.getLatLng(), 12, {animate: false}); l.openPopup();"
        " return l.feature.properties.n",
        layer,
        vid,
    )
    wait_for(
        driver,
        POPUP_SHOWN + " && document.querySelector('.leaflet-popup .gp-pop-title').textContent"
        f" === {name!r}",
    )
    return driver.execute_script("return document.querySelector('.leaflet-popup').innerText")


def _choose_first_hit(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, ".gp-search-hit").click()
    wait_for(driver, POPUP_SHOWN)


def _drew_with_screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    # the map drew: villages are on it and the hillshade image decoded from its data URI
    assert driver.execute_script("return GP.layers.villages.getLayers().length") == 30
    assert driver.execute_script(
        "var i = GP.layers.hillshade.getElement(); return i.complete && i.naturalWidth > 0"
    )


def _layers_legends_and_controls(driver, name: str) -> None:
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


def _popup_opens_on_click(driver) -> None:
    name = driver.execute_script(
        "var l = GP.layers.villages.getLayers()[10]; GP.map.setView(l.getLatLng(), 12,"
        " {animate: false});"
        "return l.feature.properties.n"
    )
    ActionChains(driver).move_to_element(
        driver.find_element(By.CSS_SELECTOR, ".folium-map")
    ).click().perform()
    wait_for(driver, POPUP_SHOWN)
    popup = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert popup.find_element(By.CSS_SELECTOR, ".gp-pop-title").text == name
    assert popup.find_elements(By.CSS_SELECTOR, ".gp-pop-table tr")


@pytest.mark.parametrize("opened", MAPS, indirect=True)
def test_every_map_on_a_laptop(opened):
    """Drawn offline, layers and legends, a popup on click, search, script-named villages."""
    driver, name = opened
    _drew_with_screenshot(driver, name)
    _layers_legends_and_controls(driver, name)
    _popup_opens_on_click(driver)
    driver.execute_script("GP.map.closePopup()")
    _search_ignores_accents(driver)
    _script_named_villages_show_as_text(driver)


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


def _search_ignores_accents(driver) -> None:
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


def _script_named_villages_show_as_text(driver) -> None:
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
        wait_for(driver, f"GP.map.hasLayer(GP.layers.{lid})")
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
    wait_for(driver, POPUP_SHOWN)
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
    wait_for(driver, "document.querySelectorAll('.leaflet-popup-content').length === 1")
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


# ------------------------------------------------------------------ both window sizes


def _click_at(driver, x: float, y: float) -> None:
    """Click with the mouse at a point of the window, as a user would."""
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(x), int(y)).click()
    actions.perform()


def _village_clickable_with_every_overlay_on(driver, name: str, size: str) -> None:
    """A commune search hit, then every overlay on: a click on a village opens its popup."""
    driver.execute_script("GP.map.closePopup()")
    # a commune hit switches its layer on by itself (the hazard map's is off at opening)
    _search(driver, "mang canh")
    _choose_first_hit(driver)
    driver.execute_script("GP.map.closePopup(); GP.collapseLayers(false)")
    for box in driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input"):
        if not box.is_selected():
            driver.execute_script("arguments[0].click()", box)
    assert driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays input'))"
        ".every(i => i.checked)"
    )
    driver.execute_script("GP.collapseLayers(true)")
    target = driver.execute_script(
        "var skip = GP.layers.unplaced ? GP.layers.unplaced.getLayers()"
        ".map(l => l.feature.properties.id) : [];"
        "var l = GP.layers.villages.getLayers()"
        ".filter(x => skip.indexOf(x.feature.properties.id) < 0)[7];"
        "GP.map.setView(l.getLatLng(), 12, {animate: false});"
        "var p = GP.map.latLngToContainerPoint(l.getLatLng());"
        "var r = GP.map.getContainer().getBoundingClientRect();"
        "return {x: r.left + p.x, y: r.top + p.y, n: l.feature.properties.n}"
    )
    # the point under the mouse is the village marker, in the points pane above the polygons
    assert driver.execute_script(
        "var e = document.elementFromPoint(arguments[0], arguments[1]);"
        " return !!e && !!e.closest('.leaflet-gpPoints-pane')",
        target["x"],
        target["y"],
    )
    _click_at(driver, target["x"], target["y"])
    title = wait_for(
        driver,
        "document.querySelector('.leaflet-popup-content .gp-pop-title') &&"
        " document.querySelector('.leaflet-popup-content .gp-pop-title').textContent",
    )
    assert title == target["n"]
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}_{size}_all_layers.png"))


CONTROLS = (".gp-search-input", ".leaflet-control-zoom-in", ".leaflet-control-zoom-out")
COVERS = (".gp-title", ".leaflet-control-layers", ".gp-panel", ".gp-coords", ".gp-side")


def _uncovered(driver) -> None:
    for control in CONTROLS:
        box = rect(driver, control)
        assert box is not None, control
        for cover in COVERS:
            assert not overlaps(box, rect(driver, cover)), (control, cover)
        # and nothing else is drawn over the control's centre
        assert driver.execute_script(
            "var c = document.querySelector(arguments[0]), r = c.getBoundingClientRect();"
            " var e = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);"
            " return c === e || c.contains(e)",
            control,
        ), control


def _layer_control_collapses_and_controls_stay_uncovered(driver, size: str) -> None:
    control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    head = driver.find_element(By.CSS_SELECTOR, ".gp-lc-head")
    list_ = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-list")
    # open on a laptop, folded to a button on a phone
    assert list_.is_displayed() == (size == "laptop")
    _uncovered(driver)
    head.click()
    assert list_.is_displayed() == (size != "laptop")
    assert head.get_attribute("aria-expanded") == ("true" if size != "laptop" else "false")
    head.click()
    assert list_.is_displayed() == (size == "laptop")
    if size == "phone":
        assert "gp-lc-closed" in control.get_attribute("class")
        # nothing spills sideways: panels and tables scroll inside the page
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1"
        )
        # the map takes the whole width, the dashboard's too
        assert driver.execute_script("return GP.map.getSize().x") >= 380
        assert driver.execute_script("return GP.map.getSize().y") >= 400
    _uncovered(driver)


def _unplaced_villages_have_their_layer_legend_and_reason(driver) -> None:
    ids = driver.execute_script(
        "return GP.layers.unplaced.getLayers().map(l => l.feature.properties.id).sort()"
    )
    assert ids == ["V001", "V005"]
    labels = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.textContent.trim())"
    )
    assert any(label.startswith("Thôn chưa bố trí được nơi đến (2)") for label in labels)
    popup = _open_popup(driver, "unplaced", "V005")
    assert "Lý do chưa bố trí được" in popup
    assert "Thôn lớn hơn sức chứa của mọi điểm trong phạm vi" in popup
    # the village's own popup says it has no destination, and why
    popup = _open_popup(driver, "villages", "V001")
    assert "Chưa bố trí được" in popup


def _moved_village_popup_says_where_it_goes(driver) -> None:
    popup = _open_popup(driver, "villages", "V000")
    for label in ("Chuyển đến", "Điểm TĐC S1", "Khoảng cách", "Vốn", "Năm được cấp vốn"):
        assert label in popup, label


def _each_spelling_of_ia_hdrai_finds_it_once(driver) -> None:
    for spelling in ("ia hdrai", "ia h'drai", "ia h drai", "IA H-DRAI", "Ia H’Drai"):
        hits = _search(driver, spelling)
        assert hits.count("Ia H'Drai") == 1, (spelling, hits)
    _choose_first_hit(driver)
    title = driver.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .gp-pop-title").text
    assert title == "Ia H'Drai"


@pytest.mark.parametrize("sized", EVERY, indirect=True, ids=[f"{s}-{n}" for s, n in EVERY])
def test_every_map_at_both_sizes(sized):
    """At 1366x768 and 390x844: the layer control folds and covers neither the search box nor
    the zoom; each spelling of Ia H'Drai finds it once; unplaced villages and destinations on
    the plan's maps; a village stays clickable with every overlay on."""
    driver, name, size = sized
    _layer_control_collapses_and_controls_stay_uncovered(driver, size)
    _each_spelling_of_ia_hdrai_finds_it_once(driver)
    if name in ("priority_resettlement", "hazard_overlay"):
        _unplaced_villages_have_their_layer_legend_and_reason(driver)
        _moved_village_popup_says_where_it_goes(driver)
    _village_clickable_with_every_overlay_on(driver, name, size)


@pytest.mark.parametrize("opened", ["dashboard"], indirect=True)
def test_dashboard_says_what_to_do_first_and_sorts_tables(opened):
    driver, _ = opened
    side = driver.find_element(By.CSS_SELECTOR, ".gp-side")
    text = side.get_attribute("innerText")
    for label in ("Việc cần làm trước", "Xã cần ưu tiên", "Kế hoạch: tổng số", "Di dời đã có vốn"):
        assert label in text, label
    links = [
        a.get_attribute("href").rsplit("/", 1)[-1]
        for a in side.find_elements(By.CSS_SELECTOR, ".gp-links a")
    ]
    assert "priority_resettlement.html" in links and "report.html" in links
    # the first sortable table sorts by households, both ways, the total row staying last
    table = next(
        t
        for t in side.find_elements(By.CSS_SELECTOR, "table.gp-sortable")
        if "Số hộ" in t.find_element(By.CSS_SELECTOR, "thead").get_attribute("textContent")
    )
    heads = table.find_elements(By.CSS_SELECTOR, "thead th")
    col = next(i for i, h in enumerate(heads) if h.get_attribute("textContent") == "Số hộ")
    for order in ("ascending", "descending"):
        heads[col].click()
        assert heads[col].get_attribute("aria-sort") == order
        values = driver.execute_script(
            "return Array.from(arguments[0].tBodies[0].rows)"
            ".filter(r => !r.classList.contains('gp-total'))"
            ".map(r => parseFloat(r.cells[arguments[1]].dataset.v))",
            table,
            col,
        )
        assert values == sorted(values, reverse=order == "descending")
        assert "gp-total" in table.find_elements(By.CSS_SELECTOR, "tbody tr")[-1].get_attribute(
            "class"
        )
