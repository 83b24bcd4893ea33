"""The audit trail: before/after values, hash chain, erasure, append-only, concurrent writers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from schildwacht.audit.models import AppendOnlyError, AuditEntry, AuditPayload
from schildwacht.audit.services import (
    Actor,
    Change,
    erase_expired_payloads,
    record_changes,
    record_event,
    verify_chain,
)
from schildwacht.organisations.services import update_organisation
from tests.personas import TEST_ACTOR, Tree, build_tree

pytestmark = pytest.mark.django_db


def test_update_records_before_and_after(tree: Tree) -> None:
    update_organisation(TEST_ACTOR, tree.board_a, name="Stichting Alfa-Omega")
    entry = AuditEntry.objects.filter(object_type="organisations.organisation").first()
    assert entry is not None
    assert entry.action == "update"
    assert entry.organisation_id == tree.board_a.pk
    assert entry.actor_label == "systeem: tests"
    assert entry.payload.changes == {"name": ["Stichting Alfa", "Stichting Alfa-Omega"]}
    assert verify_chain().intact


def test_chain_detects_tampering(tree: Tree) -> None:
    entries = list(AuditEntry.objects.order_by("id"))
    assert verify_chain().checked == len(entries)
    victim = entries[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["vervalst", victim.pk]
        )
    report = verify_chain()
    assert not report.intact
    assert report.broken_entry_id == victim.pk


def test_chain_detects_changed_values_and_missing_tail(tree: Tree) -> None:
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditpayload SET changes = %s WHERE entry_id = %s",
            ['{"name": [null, "anders"]}', last.pk],
        )
    assert verify_chain().broken_entry_id == last.pk
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditpayload WHERE entry_id = %s", [last.pk])
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    report = verify_chain()
    assert not report.intact
    assert "ontbreken" in report.reason


def test_erasing_values_keeps_chain_valid(tree: Tree) -> None:
    count = erase_expired_payloads(
        Actor.system("retentie"), timezone.now() + dt.timedelta(seconds=1)
    )
    assert count >= 6
    assert AuditPayload.objects.filter(changes__isnull=True).count() == count
    assert verify_chain().intact
    assert AuditEntry.objects.filter(action="erase").exists()


def test_entries_are_append_only(tree: Tree) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.object_repr = "x"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(object_repr="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_bulk_write_chains_every_record(db: None) -> None:
    before = AuditEntry.objects.count()
    with transaction.atomic():
        record_changes(
            TEST_ACTOR,
            [
                Change(
                    action="create",
                    object_type="tests.row",
                    object_id=str(i),
                    changes={"n": [None, i]},
                )
                for i in range(50)
            ],
        )
    assert AuditEntry.objects.count() == before + 50
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_writes_outside_a_transaction_are_refused() -> None:
    from schildwacht.audit.services import AuditError, record_change

    with pytest.raises(AuditError):
        record_change(TEST_ACTOR, Change(action="create", object_type="tests.row"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain() -> None:
    build_tree()
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                record_event(
                    Actor.system(f"thread {n}"),
                    "update",
                    object_type="tests.row",
                    object_id=f"{n}-{i}",
                )
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.filter(object_type="tests.row").count() == 60
    report = verify_chain()
    assert report.intact, report
    hashes = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "two entries chained onto the same predecessor"
