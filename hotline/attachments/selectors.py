"""Reading attachments: the name a person is shown and the name a download is saved under."""

from __future__ import annotations

import os
from typing import Any

from hotline.attachments.models import Attachment
from hotline.attachments.sniff import EXTENSIONS
from hotline.core.privacy import text_for


def name_shown(item: Attachment, user: Any, ticket: Any = None) -> str:
    """The file name as this person may read it: the uploader's name through `text_for`, as the order's texts.

    A CTI recording is named by time and calling number (20250304100000_13812345678.wav): centre staff read it
    as written (the view of the number recorded), units read the number masked, an anonymous caller's name too.
    """
    return text_for(item.original_name, ticket if ticket is not None else item.ticket, user)


def download_name(item: Attachment, user: Any, ticket: Any = None) -> str:
    """The name the file is served under: the name shown (`name_shown`) with the extension of what the file
    is (recognised by content when it was attached), never the uploader's (a 录音.html that is an MP3 is
    saved as 录音.mp3)."""
    extension = EXTENSIONS.get(item.content_type) or os.path.splitext(item.file.name)[1].lstrip(".")
    stem = os.path.splitext(name_shown(item, user, ticket))[0].strip().lstrip(".") or f"attachment-{item.pk}"
    return f"{stem}.{extension}" if extension else stem
