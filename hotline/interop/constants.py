"""Limits of platform interoperation (工单警单双向流转)."""

from datetime import timedelta

#: How long a message held for a switched-off partner (停用) may wait: older ones are not sent when it is switched
#: on again (a one-click 110 transfer arriving weeks late is dangerous), they are marked failed (`backlog`).
HELD_LIMIT = timedelta(hours=24)

#: The reason recorded (as the attempt's error, docs/webhooks.md) for a held message given up on switching on.
EXPIRED_REASON = "对接平台停用期间积压超过24小时，已过期未发送，请电话联系对方"
