"""Scenario section: split the village indicators into partitions run on dask."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from geoplan.config._base import ScenarioModel

__all__ = ["PartitionConfig"]


class PartitionConfig(ScenarioModel):
    """Partitioned runs: village indicators computed per partition on a dask cluster.

    Ranks, roll-ups and the plan are assembled once on the union, so the
    results are those of a single-process run (docs/scale.md).
    """

    by: str = Field(
        description=(
            "Field whose values split the villages: a village field or a commune field "
            "(e.g. province_code, district_code, commune_code)."
        ),
    )
    groups: list[list[str]] | None = Field(
        default=None,
        description=(
            'Values of `by` per partition, e.g. [["23281", "23284"], ["23287"]]; '
            "omitted: one partition per value. Every value present must be listed once."
        ),
    )
    scheduler: str | None = Field(
        default=None,
        description=(
            "Address of a running dask scheduler (tcp://host:8786); omitted: a local "
            "cluster with `workers` workers."
        ),
    )
    workers: int = Field(default=2, ge=1, le=512, description="Workers of the local cluster.")
    processes: bool = Field(
        default=True,
        description=(
            "Local workers as processes (true: parallel beyond the GIL) or threads of this "
            "process (false: no copying of the layers)."
        ),
    )

    @field_validator("by")
    @classmethod
    def _by_is_named(cls, value: str) -> str:
        if not value.strip():
            msg = "partitions.by must name a field"
            raise ValueError(msg)
        return value.strip()

    @field_validator("scheduler")
    @classmethod
    def _scheduler_is_address(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            msg = f"scheduler {value!r} must be an address such as tcp://host:8786"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _groups_are_disjoint(self) -> PartitionConfig:
        if self.groups is None:
            return self
        seen: dict[str, int] = {}
        for n, group in enumerate(self.groups):
            if not group:
                msg = f"partitions.groups[{n}] is empty"
                raise ValueError(msg)
            for value in group:
                if value in seen:
                    msg = (
                        f"value {value!r} is in partitions.groups[{seen[value]}] and "
                        f"partitions.groups[{n}]; list each value once"
                    )
                    raise ValueError(msg)
                seen[value] = n
        return self
