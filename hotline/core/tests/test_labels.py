"""`core.labels.label`: what `get_FOO_display()` shows, in the active language."""

from __future__ import annotations

import pytest
from django.utils import translation

from hotline.core.labels import label
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_stored_choice_is_labelled_as_get_display_labels_it(language: str) -> None:
    with translation.override(language):
        for status in Status.values:
            assert label(Status, status) == str(Ticket(status=status).get_status_display())
        assert label(Channel, Channel.WECHAT) == str(Ticket(channel=Channel.WECHAT).get_channel_display())


def test_a_value_that_is_no_choice_comes_back_as_it_is() -> None:
    assert label(Status, "no-such-status") == str(Ticket(status="no-such-status").get_status_display())
    assert label(Status, None) == ""


def _platform_choice_fields() -> list[tuple[type, object]]:
    from django.apps import apps

    return [(model, field) for model in apps.get_models() if model.__module__.startswith("hotline.")
            for field in model._meta.fields if field.choices is not None]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_choice_label_of_every_model_is_djangos_own(language: str) -> None:
    from django.db.models import Model

    fields = _platform_choice_fields()
    assert len(fields) > 50  # the platform's models and their choice fields, all of them
    with translation.override(language):
        for model, field in fields:
            for value in [*(v for v, _label in field.flatchoices), "no-such-value", None]:
                instance = model(**{field.attname: value})
                assert getattr(instance, f"get_{field.name}_display")() == \
                    Model._get_FIELD_display(instance, field), (model, field.name, value)


def test_the_generated_display_methods_build_their_choices_once() -> None:
    import inspect

    from hotline.core.labels import display, speed_up_displays

    fields = _platform_choice_fields()
    for model, field in fields:
        assert inspect.getattr_static(model, f"get_{field.name}_display").func is display, (model, field.name)
    assert speed_up_displays({model for model, _field in fields}) == 0  # all done at start-up
