"""The monthly bulletin (月度通报): `render(period, fmt)` returns the file's bytes."""

from __future__ import annotations

from datetime import datetime

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def render(period, fmt: str, *, as_of: datetime | None = None) -> bytes:  # noqa: ANN001 - Period
    """The bulletin of `period` as xlsx or pdf bytes."""
    from hotline.kpis.bulletin import data, pdf, xlsx

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    gathered = data.gather(period, as_of=as_of)
    return (xlsx if fmt == "xlsx" else pdf).build(gathered)
