"""Load a geoplan ``project.qgz`` in QGIS offscreen and export its layouts (run by Debian's python3).

Usage: ``python3 tests/_qgis_load.py PROJECT OUT_DIR``; prints one JSON object:
``layers`` (name -> valid, renderer type, feature count), ``layouts`` (name -> PNG
path or error), ``messages`` (QGIS warnings while reading).
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsLayoutExporter,
    QgsProject,
)

project_path, out_dir = sys.argv[1], sys.argv[2]
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
    layers[layer.id()] = {
        "name": layer.name(),
        "valid": layer.isValid(),
        "renderer": renderer.type() if renderer is not None else None,
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
    items = sorted({type(i).__name__ for i in layout.items()})
    layouts[layout.name()] = {"png": target, "ok": result == QgsLayoutExporter.Success, "items": items}
print(json.dumps({"read": ok, "layers": layers, "layouts": layouts, "messages": messages}))
app.exitQgis()
