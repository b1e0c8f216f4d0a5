"""Program reports: the page and the spreadsheet export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.core import audit
from groundswell.core.spreadsheets import SafeWriter
from groundswell.core.views import get_only, membership_of, org_slug_of, org_view
from groundswell.programs import reports
from groundswell.programs.forms import (
    ReportForm,
)
from groundswell.programs.models import (
    Program,
)

# --- reports ---------------------------------------------------------------------------------


def _report_data(request: HttpRequest, form: ReportForm) -> dict[str, Any]:
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    language = get_language() or "en"
    return {
        "since": since, "until": until,
        "distribution": reports.distribution_report(since, until, language),
        "programs": [reports.program_report(p, since, until)
                     for p in Program.objects.visible_to(membership_of(request))],
    }


def _conversion_labels() -> dict[str, str]:
    return {"visited": _("Visited at the door afterwards"),
            "grievance": _("Raised a grievance afterwards"),
            "campaign_action": _("Came to a hearing or picket afterwards"),
            "rapid_response": _("Joined the rapid-response list afterwards")}


@org_view("programs.reports")
def program_reports(request: HttpRequest) -> HttpResponse:
    if (refused := get_only(request)) is not None:
        return refused
    form = ReportForm(request.GET or {})
    if not form.is_valid():
        return render(request, "programs/reports.html", {"form": form}, status=400)
    data = _report_data(request, form)
    dist = data["distribution"]
    labels = _conversion_labels()
    chart = {
        "items": {"labels": [name for name, _n in dist.items],
                  "values": [n for _name, n in dist.items], "label": _("Items given")},
        "days": {"labels": [d.isoformat() for d, _n in dist.by_day],
                 "values": [n for _d, n in dist.by_day], "label": _("Households served")},
        "conversion": {"labels": [labels[k] for k, v in dist.conversion.rows()
                                  if v is not None],
                       "values": [v for _k, v in dist.conversion.rows() if v is not None],
                       "label": _("People")},
    }
    return render(request, "programs/reports.html", {
        "form": form, **data, "chart": chart, "labels": labels,
        "query": request.GET.urlencode() if len(request.GET.urlencode()) < 100 else "",
    })


@org_view("programs.reports")
@require_POST
def program_reports_export(request: HttpRequest) -> HttpResponse:
    """The report as CSV: counts only (no names, nothing about a child). Audited."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the dates of the report."))
        return redirect("program_reports", org_slug=org_slug_of(request))
    data = _report_data(request, form)
    dist = data["distribution"]
    labels = _conversion_labels()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="programs-report-{data["since"]:%Y%m%d}-{data["until"]:%Y%m%d}'
        '.csv"')
    response.write("\ufeff")
    writer = SafeWriter(response)
    writer.writerow([_("Section"), _("Measure"), _("Value")])
    section = _("Distributions")
    for label, value in (
            (_("Distributions held"), dist.distributions), (_("Times served"), dist.services),
            (_("People reached"), dist.reach.people),
            (_("Households reached"), dist.reach.households),
            (_("New people"), dist.reach.new_people),
            (_("Returning people"), dist.reach.returning_people)):
        writer.writerow([section, label, value])
    for name, total in dist.items:
        writer.writerow([section, _("Given: %(item)s") % {"item": name}, total])
    for key, value in dist.conversion.rows():
        writer.writerow([section, labels[key], "" if value is None else value])
    for day, count in dist.by_day:
        writer.writerow([section, _("Served on %(day)s") % {"day": day.isoformat()}, count])
    for report in data["programs"]:
        section = report.program.name
        for label, value in (
                (_("Children enrolled"), report.enrolled),
                (_("On the waitlist"), report.waitlisted),
                (_("Guardians reached"), report.guardians.people),
                (_("Households reached"), report.guardians.households),
                (_("New guardians"), report.guardians.new_people),
                (_("Returning guardians"), report.guardians.returning_people),
                (_("Sessions"), report.sessions),
                (_("Attendance rate (%)"), report.roll_call.rate_percent())):
            writer.writerow([section, label, "" if value is None else value])
        if report.conversion:
            for key, value in report.conversion.rows():
                writer.writerow([section, labels[key], "" if value is None else value])
    audit.record("programs.report.exported", organization=request.organization,  # type: ignore
                 actor=request.user, obj=None,
                 data={"since": data["since"].isoformat(), "until": data["until"].isoformat()})
    return response
