"""The messaging screens: the shared inbox with its conversations, compose to a list
with a preview, each broadcast's per-recipient status, and the settings. Thin: every
write goes through ``broadcasts`` (and from there the outbox)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.permissions import can
from groundswell.core.views import confirm_first, membership_of, org_slug_of, org_view
from groundswell.messaging import broadcasts, services
from groundswell.messaging.forms import ComposeForm, ReplyForm, SettingsForm
from groundswell.messaging.models import (
    CONFIDENTIAL,
    Broadcast,
    Conversation,
    InboundMessage,
    Message,
)
from groundswell.people.filters import list_filter_keys
from groundswell.people.forms import PeopleFilterForm
from groundswell.people.models import Person
from groundswell.people.normalize import mask_phone
from groundswell.people.search import search_people

# --- the inbox ---------------------------------------------------------------------------


@org_view("messaging.view")
def inbox(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    people = Person.objects.visible_to(membership)
    show = request.GET.get("show", "")
    # A conversation that holds only confidential texts (to a hotline) is not listed.
    conversations = Conversation.objects.filter(person__in=people).filter(
        Exists(InboundMessage.objects.filter(conversation=OuterRef("pk")).exclude(
            handled_by=CONFIDENTIAL))
        | Exists(Message.objects.filter(conversation=OuterRef("pk")))).select_related("person")
    if show == "unread":
        conversations = conversations.filter(unread__gt=0)
    elif show == "review":
        conversations = conversations.filter(needs_review=True)
    page = Paginator(conversations.order_by("-last_message_at", "-pk"), 30).get_page(
        request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page, "show": show})


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    people = Person.objects.visible_to(membership_of(request))
    return get_object_or_404(Conversation.objects.select_related("person", "contact"),
                             pk=pk, person__in=people)


def _conversation_page(request: HttpRequest, conversation: Conversation, form: ReplyForm,
                       status: int = 200) -> HttpResponse:
    number = conversation.contact.value if conversation.contact else ""
    return render(request, "messaging/conversation.html", {
        "conversation": conversation, "thread": broadcasts.thread(conversation),
        "form": form, "masked": mask_phone(number) if number else "",
    }, status=status)


@org_view("messaging.view")
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    item = _conversation(request, pk)
    broadcasts.mark_read(membership_of(request), item)
    return _conversation_page(request, item, ReplyForm())


@org_view("messaging.reply")
@require_POST
def conversation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    item = _conversation(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            broadcasts.reply(membership_of(request), item, form.cleaned_data["body"])
        except InvalidInput as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("Reply queued."))
            return redirect("messaging_conversation", org_slug_of(request), item.pk)
    return _conversation_page(request, item, form, status=400)


@org_view("messaging.reply")
@require_POST
def conversation_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    item = _conversation(request, pk)
    broadcasts.mark_reviewed(membership_of(request), item)
    messages.success(request, _("Marked as reviewed."))
    return redirect("messaging_conversation", org_slug_of(request), item.pk)


# --- compose -------------------------------------------------------------------------------


def _audience(request: HttpRequest, form: ComposeForm,
              filters: PeopleFilterForm) -> tuple[QuerySet[Person], dict[str, str]]:
    membership = membership_of(request)
    people = Person.objects.visible_to(membership)
    saved = form.cleaned_data.get("saved_list")
    if saved is not None:
        applied = PeopleFilterForm(saved.filters, membership=membership)
        if not applied.is_valid():
            raise InvalidInput("saved_list", _("That saved list's filters are no longer "
                                               "valid: open it and save it again."))
        return applied.apply(people), dict(saved.filters)
    raw = filters.raw_filters()
    query = form.cleaned_data.get("q", "").strip()
    if not raw and not query:
        raise InvalidInput("saved_list", _("Choose a saved list, or filters or a search."))
    people = filters.apply(people) if raw else people
    if query:
        people = search_people(people, query)
    return people, raw


@org_view("messaging.send")
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    data = request.POST if request.method == "POST" else None
    form = ComposeForm(data)
    filter_data = {k: v for k, v in (request.POST if data else request.GET).items()
                   if k in list_filter_keys()}
    filters = PeopleFilterForm(filter_data or None, membership=membership)
    preview = None
    status = 200
    if data is not None:
        if form.is_valid() and (not filter_data or filters.is_valid()):
            draft = broadcasts.Draft(
                channel=form.cleaned_data["channel"], purpose=form.cleaned_data["purpose"],
                body_en=form.cleaned_data["body_en"], body_es=form.cleaned_data["body_es"],
                subject=form.cleaned_data["subject"], emergency=form.cleaned_data["emergency"],
                send_at=form.cleaned_data["send_at"],
                saved_list=form.cleaned_data["saved_list"])
            try:
                people, draft.filters = _audience(request, form, filters)
                if request.POST.get("action") == "send":
                    broadcast = broadcasts.create_broadcast(membership, draft, people)
                    messages.success(request, _("Queued for %(count)s people.")
                                     % {"count": broadcast.recipients})
                    return redirect("messaging_broadcast", org_slug_of(request), broadcast.pk)
                preview = broadcasts.preview_broadcast(membership, draft, people)
            except InvalidInput as exc:
                show_error(form, exc)
                status = 400
        else:
            status = 400
    return render(request, "messaging/compose.html", {
        "form": form, "filters": filters, "preview": preview,
        "cost": services.settings_for(membership.organization).cost_per_segment_cents,
    }, status=status)


# --- broadcasts ----------------------------------------------------------------------------


@org_view("messaging.view")
def broadcast_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Broadcast.objects.order_by("-created_at", "-pk"), 30).get_page(
        request.GET.get("page"))
    return render(request, "messaging/broadcasts.html", {"page": page})


@org_view("messaging.view")
def broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Broadcast, pk=pk)
    membership = membership_of(request)
    people = Person.objects.visible_to(membership)
    rows = item.messages.filter(Q(person__in=people) | Q(person__isnull=True)) \
        .select_related("person").order_by("status", "pk")
    status = request.GET.get("status", "")
    if status in Message.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = broadcasts.status_counts(item)
    labels = dict(Message.Status.choices)
    return render(request, "messaging/broadcast.html", {
        "broadcast": item, "page": page, "status": status,
        "counts": [(key, labels[key], value) for key, value in counts.items() if value],
        "can_cancel": can(membership, "messaging.send") and counts["queued"] > 0
        and item.status != Broadcast.Status.CANCELLED,
        "now": timezone.now(),
    })


@org_view("messaging.send")
@require_POST
def broadcast_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Broadcast, pk=pk)
    asked = confirm_first(
        request, title=_("Cancel the messages not sent yet?"),
        changes=[_("Messages of this broadcast that are still waiting are not sent. Those "
                   "already sent stay sent.")],
        way_back=_("This cannot be undone: to reach them after all, send a new broadcast."),
        button=_("Cancel the messages"),
        cancel_url=reverse("messaging_broadcast", args=[org_slug_of(request), item.pk]))
    if asked is not None:
        return asked
    try:
        count = broadcasts.cancel_broadcast(membership_of(request), item)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s messages cancelled.") % {"count": count})
    return redirect("messaging_broadcast", org_slug_of(request), item.pk)


# --- settings ------------------------------------------------------------------------------


@org_view("messaging.configure")
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    config = services.settings_for(membership.organization)
    initial: dict[str, Any] = {
        "help_text_en": config.help_text_en, "help_text_es": config.help_text_es,
        "quiet_start": config.quiet_start, "quiet_end": config.quiet_end,
        "cost_per_segment_cents": config.cost_per_segment_cents}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                broadcasts.save_settings(membership, **form.cleaned_data)
            except InvalidInput as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("messaging_settings", org_slug_of(request))
        return render(request, "messaging/settings.html", {"form": form}, status=400)
    return render(request, "messaging/settings.html", {"form": form})
