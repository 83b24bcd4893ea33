"""Schildwacht's own analytics (impossible travel, a country the board never sees) with events
that must and must not trigger them, and the rules' windows as the engine reports them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from schildwacht.detection.engine.alerts import Alert
from schildwacht.detection.engine.analytics import ESTABLISHED_DAYS, LEARNING_DAYS
from schildwacht.detection.engine.rulepack import DEFAULT_WINDOW_SECONDS, load_rule_pack
from tests.test_detection_engine import START, alerts_for, graph_signin, rule_file

pytestmark = pytest.mark.dbless

DAY = dt.timedelta(days=1)
LAGOS = {"country": "NG", "lat": 6.52, "lon": 3.38}


def of(rule_id: str, alerts: list[Alert]) -> list[Alert]:
    return [alert for alert in alerts if alert.rule_id == rule_id]


def daily_signins(days: int, start: dt.datetime = START, offset: int = 0) -> list[dict[str, Any]]:
    """One ordinary Dutch sign-in a day, of an account other than the ones tested."""
    return [
        graph_signin(offset + day, at=start + day * DAY, user="achtergrond@school.nl")
        for day in range(days)
    ]


def test_a_new_country_after_learning_alerts_and_during_learning_does_not(
    tmp_path: Path,
) -> None:
    during = START + (LEARNING_DAYS - 2) * DAY
    after = START + (LEARNING_DAYS + 3) * DAY
    records = [
        *daily_signins(LEARNING_DAYS + 5),
        graph_signin(100, at=during, user="vroeg@school.nl", **LAGOS),
        graph_signin(101, at=after, user="laat@school.nl", country="BR", lat=-23.5, lon=-46.6),
    ]
    found = of("new_country", alerts_for(tmp_path, records))
    assert [alert.entity for alert in found] == ["laat@school.nl"]


def test_one_stray_old_event_does_not_end_the_learning_period(tmp_path: Path) -> None:
    # A sign-in half a year before the rest (an old export, a wrong clock) used to make the
    # whole history count as learned at once.
    stray = graph_signin(99, at=START - 180 * DAY, user="oud@school.nl")
    early = graph_signin(100, at=START + 2 * DAY, user="vroeg@school.nl", **LAGOS)
    records = [stray, *daily_signins(LEARNING_DAYS + 3), early]
    assert of("new_country", alerts_for(tmp_path, records)) == []


def test_fewer_days_than_the_learning_period_never_alert(tmp_path: Path) -> None:
    records = [
        *daily_signins(LEARNING_DAYS - 1),
        graph_signin(100, at=START + 3 * DAY, user="vroeg@school.nl", **LAGOS),
    ]
    assert of("new_country", alerts_for(tmp_path, records)) == []


def test_a_country_seen_on_enough_days_is_part_of_the_pattern(tmp_path: Path) -> None:
    # A Belgian commuter signs in from Belgium every day from the start: never new.
    belgian = [
        graph_signin(200 + day, at=START + day * DAY, user="grens@school.nl", country="BE")
        for day in range(LEARNING_DAYS + 5)
    ]
    late = START + (LEARNING_DAYS + 4) * DAY + dt.timedelta(hours=3)
    records = [
        *daily_signins(LEARNING_DAYS + 5),
        *belgian,
        graph_signin(300, at=late, user="ander@school.nl", country="BE"),
    ]
    assert ESTABLISHED_DAYS <= LEARNING_DAYS
    assert of("new_country", alerts_for(tmp_path, records)) == []


def test_failed_sign_ins_from_a_new_country_are_not_this_rules_business(tmp_path: Path) -> None:
    after = START + (LEARNING_DAYS + 2) * DAY
    records = [
        *daily_signins(LEARNING_DAYS + 4),
        graph_signin(100, at=after, user="doel@school.nl", code=50126, **LAGOS),
    ]
    assert of("new_country", alerts_for(tmp_path, records)) == []


def test_impossible_travel_must_and_must_not(tmp_path: Path) -> None:
    at = START + dt.timedelta(hours=1)
    records = [
        # Utrecht, then Lagos (about 4,800 km) 40 minutes later: impossible.
        graph_signin(1, at=at, user="reiziger@school.nl"),
        graph_signin(2, at=at + dt.timedelta(minutes=40), user="reiziger@school.nl", **LAGOS),
        # Utrecht, then Lagos ten hours later: a flight.
        graph_signin(3, at=at, user="vlieger@school.nl"),
        graph_signin(4, at=at + dt.timedelta(hours=10), user="vlieger@school.nl", **LAGOS),
        # Utrecht, then Groningen (about 160 km) five minutes later: too near to tell.
        graph_signin(5, at=at, user="dichtbij@school.nl"),
        graph_signin(
            6, at=at + dt.timedelta(minutes=5), user="dichtbij@school.nl", lat=53.22, lon=6.57
        ),
        # A refused attempt from Lagos is the brute-force rules' business.
        graph_signin(7, at=at, user="geweigerd@school.nl"),
        graph_signin(
            8,
            at=at + dt.timedelta(minutes=10),
            user="geweigerd@school.nl",
            code=50126,
            **LAGOS,
        ),
    ]
    found = of("impossible_travel", alerts_for(tmp_path, records))
    assert [(alert.entity, alert.count) for alert in found] == [("reiziger@school.nl", 2)]
    assert list(found[0].event_keys) == ["id-1", "id-2"]


def test_every_rule_reports_its_window(tmp_path: Path) -> None:
    custom = rule_file(
        tmp_path,
        "  selection:\n    failure_code: '50126'\n  condition: selection",
        extra="window: 15m\n",
    )
    pack = load_rule_pack([custom])
    windows = {rule.rule_id: rule.window_seconds for rule in pack.rules}
    assert windows["brute_force"] == 600  # its correlation's timespan
    assert windows["new_country"] == 24 * 3600
    assert windows["impossible_travel"] == DEFAULT_WINDOW_SECONDS
    custom_rules = [rule for rule in pack.rules if rule.origin == str(custom)]
    assert [rule.window_seconds for rule in custom_rules] == [900]
    alerts = alerts_for(
        tmp_path,
        [graph_signin(1, at=START, code=50126)],
        rules=[custom],
        bundled=False,
    )
    assert [alert.window_seconds for alert in alerts] == [900]
