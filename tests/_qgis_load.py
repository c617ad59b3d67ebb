"""Open geoplan's outputs in Debian's GDAL 3.6 and QGIS 3.22 (run by ``/usr/bin/python3``).

Usage: ``python3 tests/_qgis_load.py PROJECT OUT_DIR``.  Prints one JSON object:
``gdal_messages`` (warnings GDAL gives opening each GeoPackage beside the project),
``layers`` (id -> valid, renderer, first symbol layer's properties, features, labels,
aliases, source), ``layouts`` (name -> exported PNG, success, item types) and
``messages`` (QGIS warnings while reading the project).
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from osgeo import gdal
from qgis.core import QgsApplication, QgsLayoutExporter, QgsProject, QgsRenderContext

project_path, out_dir = sys.argv[1], sys.argv[2]
gdal_messages = []
gdal.PushErrorHandler(lambda level, _no, msg: gdal_messages.append(f"{level}: {msg}"))
for gpkg in sorted(Path(project_path).parent.glob("*.gpkg")):
    dataset = gdal.OpenEx(str(gpkg), gdal.OF_VECTOR)
    for i in range(dataset.GetLayerCount()):
        dataset.GetLayer(i).GetFeatureCount()
    dataset = None
gdal.PopErrorHandler()

app = QgsApplication([], False)
app.initQgis()
messages = []
QgsApplication.messageLog().messageReceived.connect(
    lambda msg, tag, level: messages.append(f"{tag}: {msg}") if level >= 1 else None
)
project = QgsProject.instance()
ok = project.read(project_path)
layers = {}
for layer in project.mapLayers().values():
    renderer = layer.renderer() if hasattr(layer, "renderer") else None
    symbols = renderer.symbols(QgsRenderContext()) if renderer else []
    first = symbols[0].symbolLayer(0).properties() if symbols else {}
    layers[layer.id()] = {
        "name": layer.name(),
        "valid": layer.isValid(),
        "renderer": renderer.type() if renderer is not None else None,
        "symbol": {k: first.get(k) for k in ("style", "color", "outline_color")},
        "features": layer.featureCount() if layer.isValid() else -1,
        "labels": bool(layer.labelsEnabled()),
        "aliases": sum(1 for f in layer.fields() if f.alias()),
        "source": layer.source(),
    }
layouts = {}
for layout in project.layoutManager().printLayouts():
    target = os.path.join(out_dir, f"layout_{len(layouts)}.png")
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 60
    result = QgsLayoutExporter(layout).exportToImage(target, settings)
    layouts[layout.name()] = {
        "png": target,
        "ok": result == QgsLayoutExporter.Success,
        "items": sorted({type(i).__name__ for i in layout.items()}),
    }
report = {
    "gdal_messages": gdal_messages,
    "read": ok,
    "layers": layers,
    "layouts": layouts,
    "messages": messages,
}
print(json.dumps(report))
app.exitQgis()
