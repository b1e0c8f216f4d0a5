"""Stock and the catalog: stock received and counted, items added, edited and archived."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.views import get_only, membership_of, org_slug_of, org_view
from groundswell.programs import services
from groundswell.programs.forms import (
    CountForm,
    ItemForm,
    ReceiveForm,
)
from groundswell.programs.models import (
    Item,
    StockEntry,
)

# --- stock ---------------------------------------------------------------------------------


@org_view("programs.stock")
def stock(request: HttpRequest) -> HttpResponse:
    if (refused := get_only(request)) is not None:
        return refused
    return _stock_page(request)


def _stock_page(request: HttpRequest, *, receive: ReceiveForm | None = None,
                count: CountForm | None = None, status: int = 200) -> HttpResponse:
    services.ensure_default_catalog(request.organization)  # type: ignore[attr-defined]
    language = get_language() or "en"
    items = Item.objects.filter(archived_at__isnull=True).with_on_hand().order_by("name")
    archived = Item.objects.filter(archived_at__isnull=False).order_by("name")
    return render(request, "programs/stock.html", {
        "items": [{"item": i, "label": i.label(language), "on_hand": i.on_hand,
                   "low": i.on_hand <= i.low_stock_at} for i in items],
        "archived": [{"item": i, "label": i.label(language)} for i in archived],
        "receive": receive or ReceiveForm(), "count": count or CountForm(),
        "ledger": StockEntry.objects.select_related("item")[:30],
        "open_form": "receive" if receive else "count" if count else "",
    }, status=status)


@org_view("programs.stock")
@require_POST
def stock_receive(request: HttpRequest) -> HttpResponse:
    form = ReceiveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.receive_stock(membership_of(request), data["item"],
                                   quantity=data["quantity"], source=data["source"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Stock received."))
            return redirect("stock", org_slug=org_slug_of(request))
    return _stock_page(request, receive=form, status=400)


@org_view("programs.stock")
@require_POST
def stock_count(request: HttpRequest) -> HttpResponse:
    form = CountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.count_stock(membership_of(request), data["item"],
                                         counted=data["counted"], reason=data["reason"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Count saved.") if entry else
                             _("The count matches what is on hand: nothing to correct."))
            return redirect("stock", org_slug=org_slug_of(request))
    return _stock_page(request, count=form, status=400)


@org_view("programs.catalog")
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    return _item_form(request, None)


@org_view("programs.catalog")
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_form(request, get_object_or_404(Item, pk=pk))


@org_view("programs.catalog")
@require_POST
def item_archive(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=pk)
    archived = request.POST.get("archived") == "1"
    services.set_item_archived(membership_of(request), item, archived)
    messages.success(request, _("Item archived: it is no longer offered when serving.")
                     if archived else _("Item restored."))
    return redirect("stock", org_slug=org_slug_of(request))


def _item_form(request: HttpRequest, item: Item | None) -> HttpResponse:
    initial = {"name": item.name, "name_es": item.name_es, "unit": item.unit,
               "low_stock_at": item.low_stock_at} if item else None
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(membership_of(request), item, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("stock", org_slug=org_slug_of(request))
    ledger = item.stock_entries.select_related("recorded_by")[:50] if item else []
    return render(request, "programs/item_form.html", {
        "form": form, "item": item, "ledger": ledger,
        "on_hand": services.on_hand([item])[item.pk] if item else None,
    }, status=400 if request.method == "POST" else 200)
