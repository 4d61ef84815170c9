"""Assessment settings: weights that leave nothing to score must be refused on the form."""
from decimal import Decimal

from django.urls import reverse

from hotline.kpis.models import AssessmentSettings


def _post(admin_client, settings, weight: str):
    rows = list(settings.weight_rows.order_by("pk"))
    data = {"basic_factor": "0.9", "min_volume": "5", "repeat_window_days": "30",
            "weight_rows-TOTAL_FORMS": str(len(rows)), "weight_rows-INITIAL_FORMS": str(len(rows)),
            "weight_rows-MIN_NUM_FORMS": "0", "weight_rows-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data |= {f"weight_rows-{i}-id": str(row.pk), f"weight_rows-{i}-settings": str(settings.pk),
                 f"weight_rows-{i}-indicator": row.indicator, f"weight_rows-{i}-weight": weight}
    return admin_client.post(reverse("admin:kpis_assessmentsettings_change", args=[settings.pk]), data)


def test_all_weights_zero_is_refused_on_the_form(admin_client) -> None:
    """With every weight 0 no unit gets a composite score: the monthly ranking silently ranks nobody
    (every unit 「没有可计分的指标」). The admin must refuse such weights with a Chinese message."""
    settings = AssessmentSettings.current()
    before = {r.pk: r.weight for r in settings.weight_rows.all()}
    response = _post(admin_client, settings, "0")
    assert response.status_code == 200, "saved weights that score nothing"
    assert "权重" in response.content.decode()
    assert {r.pk: r.weight for r in settings.weight_rows.all()} == before


def test_first_save_in_the_admin_keeps_the_default_weights(admin_client) -> None:
    """docs/kpis.md: the default weights (响应率 0.07, 解决率 0.35, 满意率 0.28, 按时办结率 0.20, 签收及时率 0.10) are
    the settings 「admin → 指标与考核 → 考核设置」 shows. On an installation where no KPI page has been opened yet,
    the admin offers an empty add form (no weight rows); saving it, e.g. only to set the minimum volume, creates
    the settings with NO weights, and from then on nobody is ranked. The other settings pages (SingletonAdmin)
    show the defaults in force until first saved."""
    from hotline.kpis import constants

    assert not AssessmentSettings.objects.exists()
    page = admin_client.get(reverse("admin:kpis_assessmentsettings_add"))
    assert page.status_code == 200
    data = {"basic_factor": "0.9", "min_volume": "3", "repeat_window_days": "30",
            "weight_rows-TOTAL_FORMS": "0", "weight_rows-INITIAL_FORMS": "0",
            "weight_rows-MIN_NUM_FORMS": "0", "weight_rows-MAX_NUM_FORMS": "1000"}
    admin_client.post(reverse("admin:kpis_assessmentsettings_add"), data)
    settings = AssessmentSettings.current()
    assert settings.min_volume == 3
    expected = {code: w for code, w in constants.DEFAULT_WEIGHTS.items() if w > 0}
    assert settings.weights() == expected


def _add_form_data(admin_client, **weights: str) -> dict[str, str]:
    """What the add form posts as shown (the default weight rows), with some weights changed."""
    page = admin_client.get(reverse("admin:kpis_assessmentsettings_add"))
    formset = page.context["inline_admin_formsets"][0].formset
    data = {"basic_factor": "0.9", "min_volume": "5", "repeat_window_days": "30",
            "weight_rows-TOTAL_FORMS": str(len(formset.forms)), "weight_rows-INITIAL_FORMS": "0",
            "weight_rows-MIN_NUM_FORMS": "0", "weight_rows-MAX_NUM_FORMS": "1000"}
    for i, form in enumerate(formset.forms):
        indicator = form.initial["indicator"]
        data |= {f"weight_rows-{i}-indicator": indicator,
                 f"weight_rows-{i}-weight": weights.get(indicator, str(form.initial["weight"]))}
    return data


def test_the_add_form_lists_the_default_weights(admin_client) -> None:
    from hotline.kpis import constants

    page = admin_client.get(reverse("admin:kpis_assessmentsettings_add"))
    formset = page.context["inline_admin_formsets"][0].formset
    assert {f.initial["indicator"]: f.initial["weight"] for f in formset.forms} == constants.DEFAULT_WEIGHTS
    assert not AssessmentSettings.objects.exists()


def test_the_first_save_keeps_the_defaults_the_form_did_not_change(admin_client) -> None:
    from hotline.kpis import constants

    response = admin_client.post(reverse("admin:kpis_assessmentsettings_add"),
                                 _add_form_data(admin_client, resolution="0.5"))
    assert response.status_code == 302
    expected = {code: w for code, w in constants.DEFAULT_WEIGHTS.items() if w > 0} | {"resolution": Decimal("0.5")}
    assert AssessmentSettings.current().weights() == expected
    assert AssessmentSettings.current().weight_rows.count() == len(constants.DEFAULT_WEIGHTS)


def test_a_first_save_with_every_weight_zero_is_refused(admin_client) -> None:
    from hotline.kpis import constants

    zeros = {code: "0" for code in constants.DEFAULT_WEIGHTS}
    response = admin_client.post(reverse("admin:kpis_assessmentsettings_add"), _add_form_data(admin_client, **zeros))
    assert response.status_code == 200 and "至少一项指标权重须大于 0" in response.content.decode()
    assert not AssessmentSettings.objects.exists()


def test_deleting_every_weight_is_refused_and_one_weight_is_enough(admin_client) -> None:
    settings = AssessmentSettings.current()
    rows = list(settings.weight_rows.order_by("pk"))
    data = {"basic_factor": "0.9", "min_volume": "5", "repeat_window_days": "30",
            "weight_rows-TOTAL_FORMS": str(len(rows)), "weight_rows-INITIAL_FORMS": str(len(rows)),
            "weight_rows-MIN_NUM_FORMS": "0", "weight_rows-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data |= {f"weight_rows-{i}-id": str(row.pk), f"weight_rows-{i}-settings": str(settings.pk),
                 f"weight_rows-{i}-indicator": row.indicator, f"weight_rows-{i}-weight": str(row.weight),
                 f"weight_rows-{i}-DELETE": "on"}
    url = reverse("admin:kpis_assessmentsettings_change", args=[settings.pk])
    assert admin_client.post(url, data).status_code == 200
    assert settings.weight_rows.count() == len(rows)
    keep = next(i for i, row in enumerate(rows) if row.indicator == "resolution")
    del data[f"weight_rows-{keep}-DELETE"]
    assert admin_client.post(url, data).status_code == 302
    assert settings.weights() == {"resolution": rows[keep].weight}
