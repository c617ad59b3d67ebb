"""The package's shape: no import cycles, light entry points, small modules.

These tests read the source (``ast``) or start a fresh interpreter, so they guard
the structure independently of what the pipeline computes.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _paths import ROOT

PACKAGE = ROOT / "geoplan"
MAX_LINES = 600

# Heavy scientific packages that the light entry points must not load.
HEAVY = ("sklearn", "folium", "rasterio", "matplotlib", "geopandas")

MAX_FUNCTION_LINES = 100


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "assets" not in p.parts}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports executed when the module is imported (not in functions, not TYPE_CHECKING)."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                stack.extend(block)
            for handler in node.handlers:
                stack.extend(handler.body)
        elif isinstance(node, ast.With):
            stack.extend(node.body)
    return found


def import_graph() -> dict[str, set[str]]:
    """Edges ``a -> b`` when module ``a`` of geoplan imports module ``b`` of geoplan at load."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a list of modules, or ``None``."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_cycle_finder_sees_a_cycle_and_a_relative_import():
    # the oracle itself: a hand-made graph with a known cycle, and one without
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    graph = import_graph()
    # known edges of the real package, one absolute and one through the lazy pipeline imports
    assert "geoplan.embedded" in graph["geoplan"]
    assert "geoplan.scoring" not in graph["geoplan.pipeline"]  # imported inside run()


def test_no_import_cycle_in_geoplan():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_config_imports_no_stage():
    # configuration sits at the bottom of the graph: stages import it, never the reverse
    stages = ("geoplan.io", "geoplan.indicators", "geoplan.hazard", "geoplan.scoring")
    stages += ("geoplan.plan", "geoplan.render", "geoplan.pipeline")
    graph = import_graph()
    for name in [n for n in graph if n.startswith(("geoplan.config", "geoplan.scenario"))]:
        bad = sorted(t for t in graph[name] if t.startswith(stages))
        assert not bad, f"{name} imports {bad}"


_PROBE = """
import json, sys
mode = sys.argv[1]
if mode == "import":
    import geoplan
else:
    sys.argv = ["geoplan", *mode.split()]
    from geoplan.cli import main
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
"""


def _probe(mode: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``mode`` (``import`` or a CLI command line) in a fresh interpreter.

    Returns the finished process and the top-level modules it had loaded at the end.
    """
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done, set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("mode", ["import", "--version", "--help"])
def test_light_entry_points_load_no_scientific_stack(mode):
    done, loaded = _probe(mode)
    assert "geoplan" in loaded
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))
    if mode != "import":
        assert done.stdout.strip(), "the CLI printed nothing"


def test_check_of_one_vector_layer_loads_no_modelling_or_render_stack(tmp_path):
    """`geoplan check` of a small file reads it with geopandas and nothing heavier."""
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "villages.geojson"
    gpd.GeoDataFrame(
        {"village_id": ["V1", "V2"], "village_name": ["Làng A", "Làng B"]},
        geometry=[Point(107.9, 14.4), Point(107.95, 14.45)],
        crs="EPSG:4326",
    ).to_file(path)
    done, loaded = _probe(f"check --kind villages {path}")
    assert "villages" in done.stdout and "geopandas" in loaded
    heavy = {"sklearn", "folium", "matplotlib", "highspy", "xlsxwriter", "jinja2", "dask"}
    assert not loaded.intersection(heavy), sorted(loaded.intersection(heavy))


def test_a_run_that_fails_in_the_pipeline_never_loads_the_writers(tmp_path):
    """The map and table writers load after the pipeline, so its memory peak does not hold them."""
    demo = ROOT / "scenarios" / "kontum-2025.yaml"
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a GeoPackage")
    scenario = tmp_path / "broken.yaml"
    text = demo.read_text(encoding="utf-8").replace(
        "../layers/kontum-demo/", f"{ROOT}/layers/kontum-demo/"
    )
    scenario.write_text(
        text.replace(f"{ROOT}/layers/kontum-demo/kontum.gpkg", str(broken)), encoding="utf-8"
    )
    done, loaded = _probe(f"run {scenario} --out {tmp_path / 'out'}")
    assert "error:" in done.stderr and "broken.gpkg" in done.stderr
    assert "pandas" in loaded  # the pipeline started
    writers = {"folium", "matplotlib", "xlsxwriter", "jinja2", "PIL"}
    assert not loaded.intersection(writers), sorted(loaded.intersection(writers))


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_600_lines():
    too_long = {
        str(path.relative_to(ROOT)): _line_count(path)
        for path in _modules().values()
        if _line_count(path) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


def function_lengths(source: str) -> dict[str, int]:
    """Lines from ``def`` to the last line (docstring included) of every function and method."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    lengths[name] = child.end_lineno - child.lineno + 1
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


def test_function_lengths_count_from_def_to_last_line():
    body = "\n".join(f"    x{i} = {i}" for i in range(98))
    source = (
        "@decorator\n"
        f'def long():\n    """Doc."""\n{body}\n    return x0\n\n'
        "class Box:\n    def method(self):\n        def inner():\n            pass\n"
        "        return inner\n"
    )
    lengths = function_lengths(source)
    assert lengths == {"long": 101, "Box.method": 4, "Box.method.inner": 2}


def test_no_function_over_100_lines():
    too_long = {
        f"{name}:{function}": length
        for name, path in _modules().items()
        for function, length in function_lengths(path.read_text(encoding="utf-8")).items()
        if length > MAX_FUNCTION_LINES
    }
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: {too_long}"
