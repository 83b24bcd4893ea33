"""Generate a sector-sized data set for the benchmark (issue 3): boards, schools, metingen.

Default size is the Dutch funderend onderwijs: 1,300 boards, 7,500 schools, one framework of
94 norms, 4 metingen per board and 2 per school, each with a score for every norm (about 1.9
million scores). Levels spread around 1.9 with some norms not applicable. The random generator
is seeded, so the same parameters give the same data set.

The framework is SYNTHETIC: ids ``XA.01`` … and titles that say so. It exists only in the bench
database and is never written to the shipped catalogue files under ``frameworks/data``.

Rows are written with ``bulk_create`` straight into the tables, without the services: this is
generated bulk data, not a change by a person, so no audit entries are written for it (the
measured operations in ``run.py`` do go through the services and are audited as usual).

Usable on its own against an empty database in a bench folder (it refuses the default ``var/``)::

    SCHILDWACHT_HOME=/tmp/sw-bench SCHILDWACHT_SECRET_KEY=x SCHILDWACHT_ENCRYPTION_KEY=... \
        /work/venv/bin/python bench/generate_sector.py --boards 20 --schools 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import string
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SEED = 20240606
NORM_COUNT = 94
BENCH_FRAMEWORK_SLUG = "bench-synthetisch"
COORDINATOR_EMAIL = "coordinator@bench.invalid"
COORDINATOR_PASSWORD = "bench-only password 0123456789"  # noqa: S105 - throwaway bench account
# Domains of the synthetic framework: (part, number, prefix); 94 norms are spread over them.
DOMAINS: list[tuple[str, int, str]] = [
    *[("IB", n, f"X{chr(ord('A') + n - 1)}") for n in range(1, 9)],
    *[("privacy", n, f"X{chr(ord('I') + n - 1)}") for n in range(1, 5)],
]
# Scores are written in chunks of this many metingen, to keep memory flat.
CHUNK_METINGEN = 400
LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class Sector:
    """What the benchmark needs to find again in the generated data."""

    framework_id: int
    board_id: int
    board_schools: int
    typical_board_id: int
    typical_board_schools: int
    coordinator_id: int
    boards: int
    schools: int
    metingen: int
    scores: int
    average_level: float
    seconds: float


def _log(message: str) -> None:
    print(message, flush=True)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def create_framework(rng: random.Random) -> Any:
    """A synthetic framework of 94 norms over 12 domains (bench database only)."""
    from schildwacht.frameworks.models import Confidence, Domain, Framework, Norm

    framework = Framework.objects.create(
        slug=BENCH_FRAMEWORK_SLUG,
        version="0000-00-00",
        edition=1,
        name="SYNTHETISCH benchmarkkader (geen echte normen)",
        locale="nl",
        publisher="Schildwacht benchmark (synthetisch)",
        source_url="https://bench.invalid/synthetisch",
        completeness_note="Synthetisch: gegenereerd door bench/generate_sector.py.",
        declared_norm_count=NORM_COUNT,
        declared_counts={},
        is_complete=True,
        notes="Alleen voor de benchmark; komt nooit in de meegeleverde bestanden.",
        maturity_levels=[{"level": n, "name": f"Niveau {n}"} for n in range(1, 6)],
        target_level=3,
        loaded_from="bench/generate_sector.py",
    )
    domains = Domain.objects.bulk_create(
        Domain(
            framework=framework,
            part=part,
            number=number,
            prefix=prefix,
            name=f"Synthetisch domein {prefix}",
            description="Synthetisch domein voor de benchmark.",
        )
        for part, number, prefix in DOMAINS
    )
    per_domain = [NORM_COUNT // len(domains)] * len(domains)
    for i in range(NORM_COUNT - sum(per_domain)):
        per_domain[i] += 1
    norms = []
    for domain, count in zip(domains, per_domain, strict=True):
        for n in range(1, count + 1):
            norms.append(
                Norm(
                    framework=framework,
                    domain=domain,
                    norm_id=f"{domain.prefix}.{n:02d}",
                    title=f"Synthetische norm {domain.prefix}.{n:02d}",
                    title_is_official=False,
                    confidence=Confidence.ID_ONLY,
                    description="Synthetische norm voor de benchmark.",
                    criteria={str(level): f"Niveau {level}" for level in range(1, 6)},
                )
            )
    Norm.objects.bulk_create(norms)
    return framework


def _organisations(
    rng: random.Random, boards: int, schools: int
) -> tuple[list[Any], tuple[Any, int], tuple[Any, int]]:
    """The sector, its boards and their schools (schools spread unevenly, like the real sector)."""
    from schildwacht.organisations.models import Organisation, OrganisationKind

    sector = Organisation.objects.create(kind=OrganisationKind.SECTOR, name="Funderend onderwijs")
    sector.path = f"/{sector.pk}/"
    sector.save(update_fields=["path"])
    board_rows = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.BOARD,
            name=f"Stichting Bench {i:04d}",
            parent=sector,
            bevoegd_gezag_number=f"{10000 + i:05d}",
        )
        for i in range(boards)
    )
    # Most boards run a few schools, a few run many (log-normal weights).
    weights = [rng.lognormvariate(0, 1) for _ in board_rows]
    owners = rng.choices(board_rows, weights=weights, k=schools)
    school_rows = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.SCHOOL,
            name=f"Bench school {i:05d}",
            parent=owner,
            brin=f"{i // 676 % 100:02d}{LETTERS[i // 26 % 26]}{LETTERS[i % 26]}",
            vestiging=f"{i // 67600:02d}",
        )
        for i, owner in enumerate(owners)
    )
    for board in board_rows:
        board.path = f"{sector.path}{board.pk}/"
    by_id = {b.pk: b for b in board_rows}
    for school in school_rows:
        school.path = f"{by_id[school.parent_id].path}{school.pk}/"
    for batch in _batches([*board_rows, *school_rows], 2000):
        Organisation.objects.bulk_update(batch, ["path"], batch_size=500)
    # The benchmark reads the board with the most schools (the worst case for its dashboard)
    # and one with the median number of schools (the typical case).
    counts = Counter({b.pk: 0 for b in board_rows})
    counts.update(owner.pk for owner in owners)
    ranked = counts.most_common()
    largest, median = ranked[0], ranked[len(ranked) // 2]
    return (
        [*board_rows, *school_rows],
        (by_id[largest[0]], largest[1]),
        (by_id[median[0]], median[1]),
    )


def _level(rng: random.Random, index: int, count: int) -> int:
    """A level around 1.9 that creeps up a little from one meting to the next."""
    mean = 1.9 + 0.15 * (index - (count - 1) / 2)
    return max(1, min(5, round(rng.gauss(mean, 0.8))))


def _metingen_and_scores(
    rng: random.Random,
    framework: Any,
    organisations: list[Any],
    board_metingen: int,
    school_metingen: int,
) -> tuple[int, int, float]:
    """Metingen (the last one may be a draft) and a score for every norm in each."""
    from django.db import transaction

    from schildwacht.assessments.models import (
        Assessment,
        AssessmentKind,
        AssessmentStatus,
        NormScore,
    )
    from schildwacht.organisations.models import OrganisationKind

    norm_ids = list(framework.norms.order_by("norm_id").values_list("norm_id", flat=True))
    start = dt.datetime(2022, 9, 1, 9, 0, tzinfo=dt.UTC)
    made = scored = 0
    level_sum = level_count = 0
    for chunk in _batches(organisations, max(1, CHUNK_METINGEN // max(board_metingen, 1))):
        pending: list[tuple[Assessment, int, int]] = []
        with transaction.atomic():
            for organisation in chunk:
                count = (
                    board_metingen
                    if organisation.kind == OrganisationKind.BOARD
                    else school_metingen
                )
                previous = None
                for index in range(count):
                    last = index == count - 1
                    status = AssessmentStatus.APPROVED
                    if last and rng.random() < 0.3:
                        status = rng.choice([AssessmentStatus.DRAFT, AssessmentStatus.IN_REVIEW])
                    created = start + dt.timedelta(
                        days=index * 182 + rng.randrange(0, 60), minutes=rng.randrange(0, 600)
                    )
                    assessment = Assessment(
                        organisation=organisation,
                        framework=framework,
                        title=f"Meting {index + 1}",
                        kind=AssessmentKind.NULMETING if index == 0 else AssessmentKind.METING,
                        status=status,
                        previous=previous,
                        approved_at=created + dt.timedelta(days=14)
                        if status == AssessmentStatus.APPROVED
                        else None,
                        created_at=created,
                    )
                    pending.append((assessment, index, count))
                    previous = assessment
            # Save meting 1 of every organisation first, then meting 2, …: each ``previous``
            # then has its primary key before the meting that copies it is inserted.
            by_level: list[list[Assessment]] = []
            for assessment, index, _count in pending:
                while len(by_level) <= index:
                    by_level.append([])
                by_level[index].append(assessment)
            for level_rows in by_level:
                for assessment in level_rows:
                    assessment.previous_id = (
                        assessment.previous.pk if assessment.previous is not None else None
                    )
                Assessment.objects.bulk_create(level_rows, batch_size=500)
            scores = []
            for assessment, index, count in pending:
                draft = assessment.status != AssessmentStatus.APPROVED
                for norm_id in norm_ids:
                    roll = rng.random()
                    if roll < 0.05:
                        scores.append(
                            NormScore(
                                assessment=assessment,
                                norm_id=norm_id,
                                level=None,
                                not_applicable=True,
                                not_applicable_reason="Niet van toepassing (synthetisch).",
                                target_level=3,
                                updated_at=assessment.created_at,
                            )
                        )
                        continue
                    level = None if draft and roll > 0.97 else _level(rng, index, count)
                    if level is not None:
                        level_sum += level
                        level_count += 1
                    scores.append(
                        NormScore(
                            assessment=assessment,
                            norm_id=norm_id,
                            level=level,
                            target_level=3,
                            updated_at=assessment.created_at,
                        )
                    )
            NormScore.objects.bulk_create(scores, batch_size=2000)
        made += len(pending)
        scored += len(scores)
        _log(f"  {made} metingen, {scored} scores")
    return made, scored, level_sum / level_count if level_count else 0.0


def create_coordinator(board: Any, email: str = COORDINATOR_EMAIL) -> Any:
    """An IBP-coördinator (security officer) with a membership on ``board`` and an authenticator."""
    from schildwacht.accounts.models import AuthenticatorDevice, User
    from schildwacht.audit.services import Actor
    from schildwacht.organisations.services import add_membership

    user = User.objects.create_user(
        email=email, password=COORDINATOR_PASSWORD, full_name="Bench Coördinator"
    )
    AuthenticatorDevice.objects.create(user=user, name="bench", secret="ab" * 20, confirmed=True)
    add_membership(Actor.system("bench"), user=user, organisation=board, role="security_officer")
    return user


def generate(
    *,
    boards: int = 1300,
    schools: int = 7500,
    board_metingen: int = 4,
    school_metingen: int = 2,
    seed: int = SEED,
) -> Sector:
    """Write the data set into the (empty, migrated) database Django is configured for."""
    from django.db import transaction

    from schildwacht.organisations.models import Organisation

    if Organisation.objects.exists():
        raise SystemExit(
            "generate_sector: the database already holds organisations; use a fresh one"
        )
    began = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        framework = create_framework(rng)
        organisations, (board, board_schools), typical = _organisations(rng, boards, schools)
    _log(f"  {boards} boards, {schools} schools, framework of {NORM_COUNT} norms")
    made, scored, average = _metingen_and_scores(
        rng, framework, organisations, board_metingen, school_metingen
    )
    user = create_coordinator(board)
    return Sector(
        framework_id=framework.pk,
        board_id=board.pk,
        board_schools=board_schools,
        typical_board_id=typical[0].pk,
        typical_board_schools=typical[1],
        coordinator_id=user.pk,
        boards=boards,
        schools=schools,
        metingen=made,
        scores=scored,
        average_level=round(average, 2),
        seconds=round(time.perf_counter() - began, 1),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boards", type=int, default=1300)
    parser.add_argument("--schools", type=int, default=7500)
    parser.add_argument("--metingen", type=int, default=4, help="metingen per board")
    parser.add_argument("--school-metingen", type=int, default=2, help="metingen per school")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if not os.environ.get("SCHILDWACHT_HOME") and not os.environ.get("SCHILDWACHT_DATABASE_URL"):
        sys.exit(
            "generate_sector: set SCHILDWACHT_HOME (or SCHILDWACHT_DATABASE_URL) to a bench place"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schildwacht.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    sector = generate(
        boards=args.boards,
        schools=args.schools,
        board_metingen=args.metingen,
        school_metingen=args.school_metingen,
        seed=args.seed,
    )
    _log(str(sector))


if __name__ == "__main__":
    main()
