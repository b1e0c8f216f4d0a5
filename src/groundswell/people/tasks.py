"""Background jobs of the people area. Tasks take ids, never objects, and re-enter the
organization's scope themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django_scopes import scope, scopes_disabled
from django_tasks import task

from groundswell.core.models import Membership, Organization


@task()
def find_duplicates_task(organization_id: int, membership_id: int | None = None) -> int:
    """Look for duplicate people in one organization (see services.find_duplicates).
    ``membership_id`` is the member who asked, for the permission check and the audit
    log; None when scheduled. Returns the number of new candidate pairs."""
    # The people services import this module (forget schedules a compaction).
    from groundswell.people.services.merge import find_duplicates

    with scopes_disabled():
        org = Organization.objects.filter(pk=organization_id).first()
        actor = (Membership.objects.filter(pk=membership_id, organization_id=organization_id)
                 .select_related("organization", "user").first()
                 if membership_id is not None else None)
    if org is None or (membership_id is not None and actor is None):
        return 0  # the organization or the member is gone
    with scope(organization=org):
        return find_duplicates(org, actor).created


@contextmanager
def zeroing_what_is_deleted() -> Iterator[None]:
    """On SQLite, overwrite deleted and rewritten rows with zeros while inside (the
    connection's ``secure_delete``; off elsewhere, for speed). Nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete = 1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(before):d}")


def empty_the_log(attempts: int = 20, pause: float = 0.25) -> bool:
    """Copy SQLite's write-ahead log into the database and cut it to nothing, so the
    older page images it holds (a forgotten person's, among others) are gone from disk.
    A reader in the middle of a read keeps it from finishing: try a few times. False
    when it could not (the next forgetting tries again; the log is reused from its start
    after any full checkpoint)."""
    for attempt in range(attempts):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
        if not busy:
            return True
        if attempt + 1 < attempts:
            time.sleep(pause)
    return False


@task()
def compact_search_index(organization_id: int) -> bool:
    """After someone is forgotten: SQLite's full-text tables only mark a removed text as
    deleted, and its words stay in their segments until those are merged, so merge them
    all now (one pass over the index, too slow for the forgetting transaction; the task
    is stored with that transaction and retried by the worker until it runs). PostgreSQL
    keeps no copy of the text in its indexes' live rows; its dead rows go at the next
    vacuum. Then the write-ahead log is emptied (see empty_the_log). Returns whether
    anything was compacted."""
    if connection.vendor != "sqlite":
        return False
    with zeroing_what_is_deleted(), connection.cursor() as cursor:
        for table in ("people_person_fts", "people_person_words"):  # our two index tables
            cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608  # nosec B608
    if not connection.in_atomic_block:
        empty_the_log()
    return True
