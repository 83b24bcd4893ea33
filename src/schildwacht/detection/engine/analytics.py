"""Schildwacht analytics: detections Sigma cannot express, because they need a user's or the
board's history and the distance between places.

Location comes only from sources that carry it (Entra ID sign-ins carry the city, country and
coordinates Microsoft derived); see docs/decisions/0007. Both analytics look at successful
sign-ins only: a refused attempt from far away is the brute-force rules' business.
"""

from __future__ import annotations

from dataclasses import dataclass

from schildwacht.detection.engine.grouping import SAMPLE_SIZE, grouped_matches

EARTH_RADIUS_KM = 6371.0
# The length of a degree of latitude (and the most a degree of longitude can be), rounded up.
KM_PER_DEGREE = 111.2
# A sign-in pair is "impossible" when it implies more than this speed over more than the
# minimum distance: faster than an airliner, and far enough apart that the inaccuracy of
# locating an IP address (a mobile network may place a phone a few hundred km off) cannot
# explain it.
MAX_SPEED_KMH = 1000
MIN_DISTANCE_KM = 500
# Sign-ins of one account from a new country at most 24 hours apart are one alert.
NEW_COUNTRY_WINDOW_SECONDS = 24 * 3600
# A country is part of the board's pattern once successful sign-ins came from it on this many
# different days; until the board has sign-ins on LEARNING_DAYS different days nothing is
# called new.
ESTABLISHED_DAYS = 3
LEARNING_DAYS = 7


@dataclass(frozen=True)
class Analytic:
    """An analytic rule: identity and text like a Sigma rule, and its SQL over ``events``
    giving ``(entity, first_seen, last_seen, count, keys)``."""

    rule_id: str
    title: str
    level: str
    description: str
    sql: str
    window_seconds: int = 3600


def _distance_km(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """Great-circle distance (haversine) in SQL."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * "
        f"pow(sin(radians({lon2} - {lon1}) / 2), 2)))"
    )


_SUCCESSFUL_SIGNINS = (
    "SELECT user_name, event_time, event_key, country, latitude, longitude FROM events "
    "WHERE log_type = 'signin' AND result = 'success' AND user_name IS NOT NULL"
)

IMPOSSIBLE_TRAVEL = Analytic(
    rule_id="impossible_travel",
    title="Impossible travel",
    level="high",
    description=(
        "Two consecutive successful sign-ins of one account from places so far apart that "
        "nobody could have travelled between them in the time between (more than "
        f"{MIN_DISTANCE_KM} km at over {MAX_SPEED_KMH} km/h). One of the two is most likely "
        "someone else using the account. A VPN can cause it too: ask the user."
    ),
    sql=f"""
WITH s AS ({_SUCCESSFUL_SIGNINS} AND latitude IS NOT NULL AND longitude IS NOT NULL),
-- Only accounts whose places lie far enough apart can have an impossible pair: no two points
-- of a box of latitudes and longitudes are further apart than going along its sides
-- ({KM_PER_DEGREE} km per degree at most), so the other accounts (nearly all) skip the sort.
far AS (
  SELECT user_name FROM s GROUP BY user_name
  HAVING {KM_PER_DEGREE} * (max(latitude) - min(latitude) + max(longitude) - min(longitude))
    > {MIN_DISTANCE_KM}
),
p AS (
  SELECT *, lag(latitude) OVER w AS plat, lag(longitude) OVER w AS plon,
    lag(event_time) OVER w AS ptime, lag(event_key) OVER w AS pkey
  FROM s SEMI JOIN far USING (user_name)
  WINDOW w AS (PARTITION BY user_name ORDER BY event_time, event_key)
),
d AS (
  SELECT *, {_distance_km("plat", "plon", "latitude", "longitude")} AS km,
    greatest(epoch(event_time - ptime) / 3600.0, 1.0 / 60) AS hours
  FROM p WHERE plat IS NOT NULL
)
SELECT user_name AS entity, ptime AS first_seen, event_time AS last_seen, 2 AS count,
  [pkey, event_key] AS keys
FROM d WHERE km > {MIN_DISTANCE_KM} AND km / hours > {MAX_SPEED_KMH}
""",
)

NEW_COUNTRY = Analytic(
    rule_id="new_country",
    title="Sign-in from a country the board never sees",
    level="medium",
    description=(
        "A successful sign-in from a country that is not part of the board's pattern: "
        f"successful sign-ins from there on fewer than {ESTABLISHED_DAYS} different days, this "
        "one included. Staff on holiday cause "
        "it too, but an account used from abroad while its owner is at school is taken over. "
        f"The first {LEARNING_DAYS} days with sign-ins only teach the pattern."
    ),
    sql=grouped_matches(
        f"""
WITH s AS ({_SUCCESSFUL_SIGNINS} AND country IS NOT NULL),
days AS (SELECT DISTINCT country, CAST(event_time AS DATE) AS day FROM s),
ranked AS (
  SELECT country, day, row_number() OVER (PARTITION BY country ORDER BY day) AS nth FROM days
),
established AS (
  SELECT country, min(day) FILTER (WHERE nth = {ESTABLISHED_DAYS}) AS since
  FROM ranked GROUP BY country
),
-- Learning ends after the board's first days with sign-ins, counted as days that have any,
-- so one stray old event (a clock error, an old export) shortens it by a day at most.
sign_in_days AS (
  SELECT DISTINCT CAST(event_time AS DATE) AS day FROM events WHERE log_type = 'signin'
),
learning AS (
  SELECT max(day) + INTERVAL 1 DAY AS ends
  FROM (SELECT day FROM sign_in_days ORDER BY day LIMIT {LEARNING_DAYS})
  HAVING count(*) = {LEARNING_DAYS}
)
SELECT s.user_name AS entity, s.event_time, s.event_key
FROM s JOIN established USING (country), learning
WHERE s.event_time >= learning.ends
  AND CAST(s.event_time AS DATE) < COALESCE(established.since, DATE '9999-12-31')
""",
        NEW_COUNTRY_WINDOW_SECONDS,
    ),
    window_seconds=NEW_COUNTRY_WINDOW_SECONDS,
)

ANALYTICS: tuple[Analytic, ...] = (IMPOSSIBLE_TRAVEL, NEW_COUNTRY)

__all__ = ["ANALYTICS", "SAMPLE_SIZE", "Analytic"]
