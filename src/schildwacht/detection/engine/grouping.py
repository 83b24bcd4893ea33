"""Turning rule matches into alerts: the SQL that groups matching events per entity and time
window, for single-event rules, Sigma correlations and our own analytics alike.

Every rule yields rows of the same shape, ``(entity, first_seen, last_seen, count, keys)``:
the entity the alert is about, the span of the events, how many events, and the keys of the
first events as a bounded sample.

Windows are inclusive at both ends: ten failures spread over exactly ten minutes count as
"ten within ten minutes".
"""

from __future__ import annotations

SAMPLE_SIZE = 10


def interval(seconds: int) -> str:
    return f"INTERVAL {int(seconds)} SECOND"


def grouped_matches(matches: str, window_seconds: int) -> str:
    """Alerts for a single-event rule: ``matches`` has ``entity``, ``event_time`` and
    ``event_key``; matches of one entity less than the window apart become one alert."""
    return f"""
WITH m AS ({matches}),
g AS (
  SELECT *, CASE WHEN event_time - lag(event_time) OVER w <= {interval(window_seconds)}
    THEN 0 ELSE 1 END AS starts
  FROM m WINDOW w AS (PARTITION BY entity ORDER BY event_time, event_key)
),
s AS (
  -- The same order as above: with equal times, a different order would start a group late.
  SELECT *, sum(starts) OVER (PARTITION BY entity ORDER BY event_time, event_key
    ROWS UNBOUNDED PRECEDING) AS grp
  FROM g
)
SELECT entity, min(event_time) AS first_seen, max(event_time) AS last_seen,
  count(*) AS count, list(event_key ORDER BY event_time)[1:{SAMPLE_SIZE}] AS keys
FROM s GROUP BY entity, grp
"""


def windowed_threshold(matches: str, measure: str, operator: str, threshold: int, span: int) -> str:
    """Alerts for a correlation: ``matches`` has ``entity``, ``event_time``, ``event_key``
    (and the fields ``measure`` needs); ``measure`` is an aggregate over the window ending at
    each event (``count(*)``, ``count(DISTINCT user_name)``, …). Every event at which the
    measure meets the threshold closes a hit window; overlapping hit windows of one entity
    become one alert, which counts every matching event inside it.

    Every step sorts (windows, an ASOF join) rather than pairs events with windows, so a busy
    entity, or a correlation without group-by (one entity for all events), costs about
    O(n log n) however many alerts it raises."""
    frame = (
        f"PARTITION BY entity ORDER BY event_time "
        f"RANGE BETWEEN {interval(span)} PRECEDING AND CURRENT ROW"
    )
    return f"""
WITH m AS ({matches}),
w AS (
  SELECT entity, event_time, {measure} OVER win AS measure, min(event_time) OVER win AS start
  FROM m WINDOW win AS ({frame})
),
-- DISTINCT: events at the same time share their window, so their rows are equal; without it
-- the two windows below could order such ties differently and glue separate spans together.
hits AS (
  SELECT DISTINCT entity, start, event_time AS hit FROM w WHERE measure {operator} {int(threshold)}
),
h AS (
  SELECT *, CASE WHEN start <= max(hit) OVER (PARTITION BY entity ORDER BY hit, start
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts
  FROM hits
),
r AS (
  SELECT *, sum(starts) OVER (PARTITION BY entity ORDER BY hit, start ROWS UNBOUNDED PRECEDING)
    AS grp
  FROM h
),
-- A window's start never moves back as its hit moves on (it is the first event at most the
-- span before the hit), so a new group starts after every earlier hit: the merged spans of an
-- entity are disjoint and ordered.
spans AS (SELECT entity, min(start) AS first_seen, max(hit) AS last_seen FROM r GROUP BY entity, grp)
-- Each event to the one span that can hold it: the latest of its entity starting at or before
-- it, kept when it is not past that span's end. Sorting both sides costs O(n log n), where a
-- range join would compare every event of an entity with every span of it. An event without
-- an entity or a time finds no span (NULL equals nothing), so it is in no alert.
SELECT spans.entity, spans.first_seen, spans.last_seen, count(*) AS count,
  list(m.event_key ORDER BY m.event_time)[1:{SAMPLE_SIZE}] AS keys
FROM m ASOF JOIN spans ON m.entity = spans.entity AND m.event_time >= spans.first_seen
WHERE m.event_time <= spans.last_seen
GROUP BY spans.entity, spans.first_seen, spans.last_seen
"""
