"""The dashboard's side column: what to do first, the plan in totals, the structure it plans in."""

from __future__ import annotations

import dataclasses
from html import unescape

import pandas as pd
import pytest
from _render_fixtures import MERGED_2025, make_result

from geoplan.render.context import prepare
from geoplan.render.dashboard import side_panel
from geoplan.render.priorities import plan_totals, top_communes, top_villages


@pytest.fixture(scope="module")
def result():
    return make_result(model=False)


def _with_relocations(result):
    """The fixture's allocation plus the relocation of two moved villages, one funded."""
    alloc = result.plan.allocation
    extra = pd.DataFrame(
        {
            "intervention_id": ["resettlement:V000", "resettlement:V008"],
            "kind": ["resettlement", "resettlement"],
            "village_id": ["V000", "V008"],
            "cost": [9000.0, 12000.0],
            "benefit": [50.0, 40.0],
            "funded": [True, False],
            "year": pd.array([2027, None], dtype="Int64"),
            "programme": ["NTP-2026", None],
        }
    )
    plan = dataclasses.replace(result.plan, allocation=pd.concat([alloc, extra], ignore_index=True))
    return dataclasses.replace(result, plan=plan)


def test_plan_totals_add_up_from_the_plan_frames(result):
    _check_totals(_with_relocations(result))


def _check_totals(result):
    ctx = prepare(result, "vi")
    totals = plan_totals(ctx)
    moves, alloc = result.plan.moves, result.plan.allocation
    assert totals["moved_villages"] == len(moves)
    assert totals["moved_households"] == moves["households"].sum()
    assert totals["unplaced"] == len(result.plan.unplaced)
    reloc = alloc[alloc["kind"] == "resettlement"]  # the fixture has no relocation column
    assert len(reloc) == 2
    assert totals["funded_moves"] + totals["unfunded_moves"] == len(reloc)
    assert totals["funded_moves"] == int(reloc["funded"].astype(bool).sum())
    money = totals["money"]
    funded = alloc[alloc["funded"].astype(bool)]
    assert money.to_numpy().sum() == pytest.approx(pd.to_numeric(funded["cost"]).sum())
    for (programme, year), cost in funded.groupby(["programme", "year"])["cost"].sum().items():
        assert money.loc[programme, year] == pytest.approx(cost)


def test_top_lists_follow_rank_and_priority_one_villages(result):
    ctx = prepare(result, "vi")
    v = ctx.villages
    for track in ctx.tracks:
        top = top_villages(ctx, track, 5)
        ranks = pd.to_numeric(v[f"{track}_rank"], errors="coerce").dropna().sort_values()
        assert list(top["rank"]) == [int(r) for r in ranks.head(5)]
        communes = top_communes(ctx, track)
        first = v[v[f"{track}_class"] == 1]
        counts = first.groupby("commune_name").size()
        assert list(communes["villages"]) == sorted(communes["villages"], reverse=True)
        for _, row in communes.iterrows():
            assert row["villages"] == counts[row["commune"]]


def test_commune_tables_follow_the_scenario_structure(result):
    html_2022 = unescape(side_panel(prepare(result, "vi")))
    assert "Tổng hợp theo huyện" in html_2022 and "Việc cần làm trước" in html_2022
    scenario_2025 = result.scenario.model_copy(update={"admin_structure": "2025"})
    result_2025 = dataclasses.replace(result, scenario=scenario_2025)
    html_2025 = unescape(side_panel(prepare(result_2025, "vi")))
    assert "Tổng hợp theo huyện" not in html_2025
    start = html_2025.index("<h3>Xã mới (2025)</h3>")
    table = html_2025[start : html_2025.index("</table>", start)]
    assert table.count("<tr>") == 1 + len(MERGED_2025)  # the head and one row per commune
    for _, name, _ in MERGED_2025:
        assert name in table


def test_english_dashboard_uses_english_numbers(result):
    html = side_panel(prepare(result, "en"))
    assert "What to do first" in html and "Moves funded" in html
    assert "Tổng" not in html


def test_charts_escape_every_text_and_stay_svg():
    import re

    from geoplan.render.dashboard import bar_chart, sparkline, targets_chart

    hostile, jinja = "<script>alert(1)</script>", "{{ 7*7 }}"
    svg = bar_chart([hostile, jinja, "x"], [2.0, 1.0, float("nan")], str, title=hostile)
    assert hostile not in svg and svg.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert jinja in svg and svg.count("<rect ") == 3 and svg.count("<text ") == 6
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1] > 0 and widths[2] == 0  # NaN: no bar, prints "–"
    assert ">–</text>" in svg
    spark = sparkline([(2021, 1.0), (2024, 2.0)], colour='"/><script>x</script>')
    assert "<script>" not in spark and spark.count("&#34;/&gt;&lt;script&gt;") == 2
    frame = pd.DataFrame(
        [{"id": hostile, "label_en": jinja, "unit": "share", "value": 0.3, "target": 0.6,
          "status": "behind", "direction": "min", "value_2021": 0.1, "value_2024": 0.3}]
    )  # fmt: skip
    chart = targets_chart(frame, "en")
    assert hostile not in chart and "&lt;script&gt;" in chart
    assert f'title="{jinja} – ' in chart and 'class="gp-tval bad"' in chart
    assert 'style="width:50%' in chart and chart.count('class="gp-spark"') == 1
