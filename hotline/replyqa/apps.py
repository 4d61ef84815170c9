from django.apps import AppConfig


class ReplyqaConfig(AppConfig):
    """Reply quality checks (答复质检): findings shown to the reviewer before a reply is approved."""

    name = "hotline.replyqa"
    label = "replyqa"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.replyqa import panels  # noqa: F401 - registers the order-page panel
