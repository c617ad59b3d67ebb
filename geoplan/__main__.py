"""Allow ``python -m geoplan``."""

from geoplan.cli import main

main()
