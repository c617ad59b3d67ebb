"""The scenario's section models: pydantic only, no stage code.

Each stage imports its own section from here (``geoplan.config.plan`` for the
plan stage, ...); :mod:`geoplan.scenario` composes them into ``Scenario``.
Nothing in this package imports a stage, so reading and validating a scenario
never loads the scientific stack.
"""
