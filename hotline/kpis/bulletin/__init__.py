"""The monthly bulletin (月度通报): `render(period, fmt)` returns the file's bytes (a preview, computed now);
`render_both` draws the PDF and the workbook from one gathering (what publishing stores)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from hotline.kpis.bulletin.data import Bulletin
    from hotline.kpis.periods import Period

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def preview_status() -> str:
    """The line a preview carries under its title: it is not the announced bulletin."""
    return _("预览（未发布）：按生成时的数据计算，与已发布的通报可能不同")


def build(gathered: Bulletin, fmt: str) -> bytes:
    """The file of `fmt` drawn from gathered figures."""
    from hotline.kpis.bulletin import pdf, xlsx

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return (xlsx if fmt == "xlsx" else pdf).build(gathered)


def render(period: Period, fmt: str, *, as_of: datetime | None = None) -> bytes:
    """The bulletin of `period` as xlsx or pdf bytes, computed now and marked as a preview."""
    from hotline.kpis.bulletin import data

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    gathered = data.gather(period, as_of=as_of)
    gathered.status = preview_status()
    return build(gathered, fmt)


def render_both(period: Period, *, as_of: datetime, status: str) -> dict[str, bytes]:
    """The PDF and the workbook of `period` from one gathering of the figures as they stand at `as_of`,
    generated at `as_of`, each carrying `status` under its title."""
    from hotline.kpis.bulletin import data

    gathered = data.gather(period, as_of=as_of)
    gathered.generated_at, gathered.status = as_of, status
    return {fmt: build(gathered, fmt) for fmt in FORMATS}
