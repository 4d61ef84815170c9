"""Links to hot spots stay valid across recomputations: a running window is updated in place.

A stale run of the running week is recomputed by the next visit of the weekly page. A cluster found again
keeps its row (and id), one no longer found is kept and marked not current (its page says so, the lists
leave it out), a 每月一题 theme keeps its `hotspot`, and two computations of one window never duplicate it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db.models.query import QuerySet
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import services as governance
from hotline.hotspots import services
from hotline.hotspots.models import Hotspot, HotspotMember, HotspotRun
from hotline.hotspots.tests.test_hotspots_app import LAMP, NOW, _order, week_orders  # noqa: F401 - fixture
from hotline.tickets.tests.factories import Cast, UserFactory

WEEK = "2025-W10"
STALE = timedelta(minutes=16)  # past STALE_AFTER_SECONDS (900); the week is still running


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def _weekly(client: Client) -> str:
    return client.get(reverse("hotspots-weekly"), {"week": WEEK}).content.decode()


def _links(page: str) -> list[str]:
    """The hot spots' addresses on the page, in order, each once (a warned spot is also listed on top)."""
    return list(dict.fromkeys(re.findall(r'href="(/hotspots/\d+/)"', page)))


def _ids(run: HotspotRun) -> dict[frozenset[int], int]:
    """The run's current hot spots: their orders → their id."""
    return {frozenset(spot.members.values_list("ticket_id", flat=True)): spot.pk
            for spot in run.hotspots.filter(is_current=True)}


def test_a_link_from_the_weekly_page_survives_a_recompute(week_orders, traveller) -> None:  # noqa: F811
    """The reviewer's scenario: a dispatcher's link still opens the same hot spot after a supervisor's visit
    recomputed the week, and the weekly page still shows it under the same address."""
    dispatcher, supervisor = _client(Role.DISPATCHER), _client(Role.SUPERVISOR)
    links = _links(_weekly(dispatcher))
    assert len(links) == 2
    lamp = dispatcher.get(links[0])
    assert lamp.status_code == 200 and "路灯" in lamp.content.decode()
    computed_at = HotspotRun.objects.get().computed_at
    traveller.shift(STALE)
    _order(Cast.build(), *LAMP, NOW + timedelta(minutes=5), "13800000077")  # one more lamp order meanwhile
    assert _links(_weekly(supervisor)) == links  # recomputed in place: same addresses
    assert HotspotRun.objects.get().computed_at > computed_at
    again = dispatcher.get(links[0])
    assert again.status_code == 200 and "本周已不再是热点" not in again.content.decode()
    assert again.context["spot"].orders == 7  # the new figures, under the old id


def test_a_spot_that_disappears_keeps_answering(week_orders, traveller, settings) -> None:  # noqa: F811
    """A spot the next computation no longer finds: not listed, its page says so (200), it can still be
    taken on, and it takes its old id back when it returns."""
    supervisor, leader = _client(Role.SUPERVISOR), _client(Role.LEADER)
    lamp_link, noise_link = _links(_weekly(supervisor))
    settings.HOTLINE_HOTSPOT_KEEP_PER_RUN = 1  # only the hottest is kept: the noise spot drops out
    traveller.shift(STALE)
    page = _weekly(supervisor)
    assert _links(page) == [lamp_link]
    noise = supervisor.get(noise_link)
    assert noise.status_code == 200 and "本周已不再是热点" in noise.content.decode()
    assert "噪音" in noise.content.decode() and not noise.context["spot"].is_current
    assert "热度排名第" not in noise.content.decode()  # its last rank is history: the heading says so instead
    english = supervisor.get(noise_link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No longer a hot spot this week" in english
    assert HotspotMember.objects.filter(hotspot=noise.context["spot"]).count() == 3  # its orders are kept
    noise_id = int(noise_link.strip("/").split("/")[-1])
    assert leader.get(reverse("governance-new"), {"hotspot": noise_id}).status_code == 200  # adopt flow: no 404
    settings.HOTLINE_HOTSPOT_KEEP_PER_RUN = 50
    traveller.shift(STALE)
    assert _links(_weekly(supervisor)) == [lamp_link, noise_link]  # back, under its old id
    assert Hotspot.objects.get(pk=noise_id).is_current and Hotspot.objects.count() == 2


def test_a_theme_keeps_its_hot_spot(week_orders, traveller) -> None:  # noqa: F811
    """A 每月一题 theme taken on from a hot spot keeps its link when the window is recomputed."""
    supervisor, leader = _client(Role.SUPERVISOR), UserFactory(role=Role.LEADER)
    _weekly(supervisor)
    spot = Hotspot.objects.get(rank=1)
    theme = governance.adopt(actor=leader, title="路灯专题", problem="多福巷社区路灯不亮", month=date(2025, 3, 1),
                             lead=Cast.build().lead, due_date=date(2025, 4, 30), hotspot=spot,
                             orders=list(spot.tickets.all()))
    traveller.shift(STALE)
    _order(Cast.build(), *LAMP, NOW + timedelta(minutes=5), "13800000077")
    _weekly(supervisor)
    theme.refresh_from_db()
    spot.refresh_from_db()
    assert theme.hotspot_id == spot.pk and spot.is_current and spot.orders == 7
    client = Client()
    client.force_login(leader)
    detail_url = reverse("governance-detail", args=[theme.pk])
    adopt_again = client.get(reverse("governance-new"), {"hotspot": spot.pk})  # taken on: to the theme
    assert adopt_again.status_code == 302 and adopt_again["Location"] == detail_url
    assert reverse("hotspot-detail", args=[spot.pk]) in client.get(detail_url).content.decode()


def test_recomputing_gives_the_same_ids_to_the_same_clusters(week_orders, traveller) -> None:  # noqa: F811
    window = services.week_window(WEEK)
    first = _ids(services.compute(window))
    assert len(first) == 2
    traveller.shift(STALE)
    assert _ids(services.compute(window)) == first
    assert _ids(services.compute(window)) == first and Hotspot.objects.count() == 2
    newcomer = _order(Cast.build(), *LAMP, NOW + timedelta(minutes=20), "13800000077")
    traveller.shift(STALE)
    grown = _ids(services.compute(window))
    lamp = next(members for members in first if week_orders["lamp"][0].pk in members)
    assert grown == {lamp | {newcomer.pk}: first[lamp]} | {m: pk for m, pk in first.items() if m != lamp}
    assert HotspotRun.objects.count() == 1 and Hotspot.objects.count() == 2


@pytest.mark.parametrize(("a", "b", "expected"), [
    ([(10, {1, 2, 3, 4, 5, 6})], [{1, 2, 3, 4, 5, 6, 7}, {8, 9}], {0: 10}),  # grew; a new one
    ([(10, {1, 2, 3, 4, 5, 6})], [{5, 6}, {1, 2, 3, 4}], {1: 10}),  # split: the larger part continues it
    ([(10, {1, 2, 3}), (11, {4, 5})], [{1, 2, 3, 4, 5}], {0: 10}),  # merged: the one sharing most
    ([(10, {1, 2, 3, 4})], [{1, 8, 9}], {}),  # a quarter of its orders: another problem
    ([(10, {1, 2}), (11, {1, 2, 3, 4})], [{1, 2}, {3, 4}], {0: 10, 1: 11}),
])
def test_clusters_are_matched_by_their_orders(a, b, expected) -> None:  # noqa: ANN001
    assert services.match_spots(a, b) == expected
    assert services.match_spots(a, b) == services.match_spots(list(a), [set(s) for s in b])  # deterministic


def test_two_computations_of_one_window_at_once_do_not_duplicate_it(week_orders, traveller) -> None:  # noqa: F811
    """Visitor A reads the orders, visitor B computes and stores meanwhile, then A stores: one run, the
    same ids, and A's older result does not overwrite B's newer one."""
    window = services.week_window(WEEK)
    ids = _ids(services.compute(window))
    traveller.shift(STALE)
    same_moment = services._cluster(window)
    services.compute(window)  # B, at the same moment: A stores too, in place
    assert _ids(services._store(window, same_moment)) == ids and Hotspot.objects.count() == 2
    traveller.shift(STALE)
    older = services._cluster(window)  # A has read the orders …
    traveller.shift(timedelta(seconds=30))
    _order(Cast.build(), *LAMP, NOW + timedelta(minutes=40), "13800000077")
    newer = services.compute(window)  # … B stores a newer result …
    stored = services._store(window, older)  # … then A is done: left alone
    assert stored.pk == newer.pk and stored.computed_at == newer.computed_at
    assert HotspotRun.objects.count() == 1 and Hotspot.objects.count() == 2
    assert Hotspot.objects.get(pk=max(ids.items(), key=lambda item: len(item[0]))[1]).orders == 7


def test_a_run_created_by_another_process_meanwhile_is_used(week_orders, monkeypatch) -> None:  # noqa: F811
    """The run is missing when looked up, another process inserts it before this one does: the unique
    window refuses the second row and this computation updates the other's run."""
    window = services.week_window(WEEK)
    real_first = QuerySet.first
    others: list[HotspotRun] = []

    def first(queryset: QuerySet):  # noqa: ANN202
        found = real_first(queryset)
        if queryset.model is HotspotRun and found is None and not others:
            others.append(HotspotRun.objects.create(kind=window.kind, start=window.start, end=window.end,
                                                    computed_at=NOW - timedelta(hours=1)))
        return found

    monkeypatch.setattr(QuerySet, "first", first)
    run = services.compute(window)
    assert others and run.pk == others[0].pk and HotspotRun.objects.count() == 1
    assert run.computed_at == NOW and run.hotspots.filter(is_current=True).count() == 2
