"""docs/triage.md: the rule is `duplicates.phone_key(phone, area_code=…)`, "which reads the setting when no
`area_code` is given": a local landline without its area code is then the same caller as with it. The module
stays plain Python: without Django settings to read, no area code is added."""

from __future__ import annotations

import os
import subprocess
import sys

from hotline.intelligence import duplicates as dup


def test_phone_key_reads_the_centres_area_code_when_none_is_given(settings) -> None:  # noqa: ANN001
    settings.HOTLINE_AREA_CODE = "0731"
    assert dup.phone_key("84567890") == dup.phone_key("0731-84567890")
    settings.HOTLINE_AREA_CODE = "010"
    assert dup.phone_key("62345678") == dup.phone_key("010-62345678") != dup.phone_key("0731-62345678")


def test_an_empty_area_code_given_or_set_adds_none(settings) -> None:  # noqa: ANN001
    settings.HOTLINE_AREA_CODE = "0731"
    assert dup.phone_key("84567890", area_code="") != dup.phone_key("0731-84567890")
    settings.HOTLINE_AREA_CODE = ""
    assert dup.phone_key("84567890") != dup.phone_key("0731-84567890")


def test_without_django_settings_no_area_code_is_added() -> None:
    code = ("from hotline.intelligence import duplicates as d; "
            "assert d.phone_key('84567890') == d.phone_key('84567890', area_code=''); "
            "assert d.phone_key('84567890') != d.phone_key('0731-84567890')")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hotline.no_such_settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr
