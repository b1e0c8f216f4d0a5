"""Background jobs of the people area. Tasks take ids, never objects, and re-enter the
organization's scope themselves."""

from __future__ import annotations

from django.db import connection
from django_scopes import scope, scopes_disabled
from django_tasks import task

from groundswell.core.models import Membership, Organization
from groundswell.core.scrub import empty_the_log, zeroing_what_is_deleted


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
