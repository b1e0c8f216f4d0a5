"""Content that organizers type and residents read, in English and Spanish.

A model keeps such a text in two fields, ``<name>`` or ``<name>_en`` and ``<name>_es``
(an event's title, a program's description, a catalog item's name), and shows the one in
the reader's language, or the other when that one is empty: a text typed in one language
only is shown to everyone rather than to no one. One rule, used by every area.
"""

from __future__ import annotations

from django.utils import translation


def in_language(language: str | None, en: str, es: str) -> str:
    """``es`` for a Spanish reader and ``en`` for anyone else, each falling back to the
    other when empty."""
    if (language or "en").startswith("es"):
        return es or en
    return en or es


def bilingual(en_field: str, es_field: str) -> property:
    """A read-only property giving the text in the current request's language."""

    def read(self: object) -> str:
        return in_language(translation.get_language(), getattr(self, en_field),
                           getattr(self, es_field))

    read.__doc__ = f"{en_field} or {es_field}, in the current request's language."
    return property(read)


def language_pairs(model: type) -> list[tuple[str, str]]:
    """The (English, Spanish) field pairs of a model, found by their names: every
    ``<name>_es`` with a ``<name>_en`` or ``<name>`` beside it."""
    names = {f.name for f in model._meta.get_fields() if hasattr(f, "attname")}
    pairs = []
    for name in sorted(names):
        if name.endswith("_es"):
            stem = name[:-3]
            english = f"{stem}_en" if f"{stem}_en" in names else stem
            if english in names:
                pairs.append((english, name))
    return pairs
