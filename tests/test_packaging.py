"""The wheel carries every subpackage and every data file the code reads.

Tests import geoplan from the source tree, so a package or a template missing from
``pyproject.toml`` would pass them all and still break ``pip install . && geoplan demo``.
"""

from __future__ import annotations

import fnmatch
import tomllib

from _paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_subpackage_is_listed():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "geoplan").rglob("__init__.py")
    }
    assert found <= set(SETUPTOOLS["packages"]), sorted(found - set(SETUPTOOLS["packages"]))


def test_every_data_file_is_package_data():
    data = SETUPTOOLS["package-data"]
    missing = []
    for path in (ROOT / "geoplan").rglob("*"):
        if not path.is_file() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT)
        owner = next(
            (
                rel.parents[i]
                for i in range(len(rel.parts) - 1)
                if (ROOT / rel.parents[i] / "__init__.py").exists()
            ),
            None,
        )
        assert owner is not None, rel
        package = ".".join(owner.parts)
        inside = rel.relative_to(owner).as_posix()
        patterns = data.get(package, [])
        if not any(fnmatch.fnmatch(inside, pat.replace("**/", "*")) for pat in patterns):
            missing.append(str(rel))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
