"""Attaching files to an order: checked by content and size, recorded on the timeline."""

from __future__ import annotations

import hashlib
import os

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from hotline.accounts.models import User
from hotline.attachments.constants import MAX_BYTES
from hotline.attachments.models import Attachment
from hotline.attachments.sniff import HEAD_BYTES, sniff
from hotline.tickets.choices import Action
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.services._core import begin, service

#: What each kind of file is called in messages, in the order they are listed.
KIND_LABELS = {"image": pgettext_lazy("allowed file kinds", "图片"), "audio": pgettext_lazy("allowed file kinds", "录音"),
               "video": pgettext_lazy("allowed file kinds", "视频")}


def check_upload(upload: UploadedFile, allowed_kinds: set[str] | None = None) -> str:
    """Refuse a file that is not what it claims, of a kind not allowed, or too large; return its kind."""
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = sniff(head)
    if found is None or (allowed_kinds and found.kind not in allowed_kinds):
        kinds = "、".join(str(label) for kind, label in KIND_LABELS.items() if not allowed_kinds or kind in allowed_kinds)
        raise RuleViolation(_("文件「%(name)s」的类型不被允许（仅限%(kinds)s）") % {"name": upload.name, "kinds": kinds})
    if upload.size > MAX_BYTES[found.kind]:
        raise RuleViolation(_("文件「%(name)s」超过 %(mb)s MB")
                            % {"name": upload.name, "mb": MAX_BYTES[found.kind] // (1024 * 1024)})
    return found.kind


def content_digest(upload: UploadedFile) -> str:
    """The sha256 of the file's content (hex), the file left at its start."""
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@service
def attach(ticket: Ticket, *, actor: User | None, upload: UploadedFile, public: bool = False,
           allowed_kinds: set[str] | None = None) -> Ticket:
    """Attach a file to the order (上传附件), after checking its real type and size."""
    step = begin(ticket, Action.ATTACH, actor)
    if actor is not None and not actor.is_centre_staff:  # a unit: only on an order it holds now
        step.assignment_for(None)
    check_upload(upload, allowed_kinds)
    kind = sniff(upload.read(HEAD_BYTES))
    upload.seek(0)
    digest = content_digest(upload)
    name = os.path.basename(upload.name or "file")[:200]
    upload.name = f"{digest[:16]}.{kind.extension}"
    item = Attachment.objects.create(
        ticket=ticket, file=upload, original_name=name, kind=kind.kind, content_type=kind.content_type,
        size=upload.size, sha256=digest, uploaded_by=actor, uploaded_at=step.at, is_public=public,
    )
    return step.commit(note=f"上传附件：{name}", data={"attachment": item.pk, "kind": kind.kind})
