"""What forgetting a person erases in rapid response (registered in
RapidresponseConfig.ready()): their subscriber rows (role, place, language), with their
verification requests and replies and the alert recipient rows that name them, and
every report they texted in (found by their number), purged as the retention purge
would: the incident's times and counts stay, nothing that says who or where."""

from __future__ import annotations

from django.utils import timezone

from groundswell.people.services.forget import Forgetting
from groundswell.rapidresponse.models import Report, Subscriber
from groundswell.rapidresponse.services.retention import _purge


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    # Deleting a subscriber deletes its verification requests (their acknowledgements)
    # and alert recipient rows with it.
    subscribers = Subscriber.objects.filter(person_id__in=forgetting.person_ids)
    count = subscribers.count()
    subscribers.delete()
    field = Report._meta.get_field("reporter_phone")
    indexes = [field.index_for(phone) for phone in forgetting.phones]
    reports = list(Report.objects.filter(reporter_index__in=indexes)
                   .select_related("incident", "organization")) if indexes else []
    now = timezone.now()
    for report in reports:
        _purge(report, now)
    return {"subscribers": count, "reports": len(reports)}
