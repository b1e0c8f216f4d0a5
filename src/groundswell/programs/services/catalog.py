"""The catalog and its stock: items, stock received and stock counted."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.programs.models import (
    Item,
    StockEntry,
)
from groundswell.programs.services.base import DEFAULT_CATALOG, MAX_RECEIVED, _text
from groundswell.programs.services.programs import _set_archived

# --- catalog and stock ------------------------------------------------------------------------


def ensure_default_catalog(org: Organization) -> None:
    """The catalog an organization starts with; admins add and rename items."""
    if Item.objects.filter(organization=org).exists():
        return
    for name, name_es, unit, low in DEFAULT_CATALOG:
        Item.objects.get_or_create(organization=org, name=name,
                                   defaults={"name_es": name_es, "unit": unit,
                                             "low_stock_at": low})


def save_item(actor: Membership, item: Item | None = None, *, name: str, name_es: str = "",
              unit: str = "", low_stock_at: int = 0) -> Item:
    require(actor, "programs.catalog")
    name = _text(name, "name", 100, required=True, message=_("Give the item a name."))
    if low_stock_at < 0:
        raise InvalidInput("low_stock_at", _("The warning level cannot be negative."))
    if Item.objects.filter(name__iexact=name).exclude(pk=item.pk if item else None).exists():
        raise InvalidInput("name", _("There is already an item with that name."))
    fields = {"name": name, "name_es": _text(name_es, "name_es", 100),
              "unit": _text(unit, "unit", 40), "low_stock_at": low_stock_at}
    with transaction.atomic():
        created = item is None
        if item is None:
            item = Item.objects.create(organization=actor.organization, **fields)
        else:
            for key, value in fields.items():
                setattr(item, key, value)
            item.save(update_fields=list(fields))
        audit.record("programs.item.created" if created else "programs.item.updated", by=actor,
                     obj=item)
    return item


def set_item_archived(actor: Membership, item: Item, archived: bool) -> Item:
    """An item no longer given out leaves the stock page and the serving form; its
    ledger and past distributions keep it. Restoring brings it back as it was."""
    require(actor, "programs.catalog")
    return _set_archived(actor, item, archived, "programs.item")


def on_hand(items: Iterable[Item] | None = None) -> dict[int, int]:
    """What is on hand per item id: the sum of its ledger."""
    qs = Item.objects.with_on_hand()
    if items is not None:
        qs = qs.filter(pk__in=[i.pk for i in items])
    return dict(qs.values_list("pk", "on_hand"))


def _lock_items(ids: Iterable[int]) -> list[Item]:
    """Lock the items' rows (in id order, so two tables never deadlock) so that the
    sums read next stay true until this transaction ends."""
    return list(Item.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))


def receive_stock(actor: Membership, item: Item, *, quantity: int,
                  source: str = "") -> StockEntry:
    require(actor, "programs.stock")
    if quantity < 1:
        raise InvalidInput("quantity", _("Received quantities are whole numbers above zero."))
    if quantity > MAX_RECEIVED:
        raise InvalidInput("quantity", _("That is more than %(max)s at once: check the "
                                         "number.") % {"max": MAX_RECEIVED})
    source = _text(source, "source", 150)
    with transaction.atomic():
        _lock_items([item.pk])
        entry = StockEntry.objects.create(organization=actor.organization, item=item,
                                          kind=StockEntry.Kind.RECEIVED, quantity=quantity,
                                          source=source, recorded_by=actor.user)
        audit.record("programs.stock.received", by=actor, obj=entry, data={"item": item.pk,
                                                                            "quantity": quantity})
    return entry


def count_stock(actor: Membership, item: Item, *, counted: int,
                reason: str = "") -> StockEntry | None:
    """Record a physical count: the ledger gets the difference as a correction (a
    count below zero is impossible). None when the count matches."""
    require(actor, "programs.stock")
    if counted < 0:
        raise InvalidInput("counted", _("A count cannot be below zero."))
    reason = _text(reason, "reason", 150, required=True,
                   message=_("Say why the count changed (for example: damaged, expired)."))
    with transaction.atomic():
        _lock_items([item.pk])
        have = on_hand([item])[item.pk]
        if counted == have:
            return None
        entry = StockEntry.objects.create(organization=actor.organization, item=item,
                                          kind=StockEntry.Kind.ADJUSTED,
                                          quantity=counted - have, source=reason,
                                          recorded_by=actor.user)
        audit.record("programs.stock.counted", by=actor, obj=entry,
                     data={"item": item.pk, "counted": counted, "difference": counted - have})
    return entry
