"""Finding businesses by name, owner, NIB or kelurahan among tens of thousands.

Each business's words are kept in ``business_search_token``; a query word matches the words it
prefixes through a B-tree range (``token >= w AND token < w'``), so a search costs index lookups
proportional to its matches, not to the size of the registry, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, BusinessSearchToken
from traceability.formats.registry_csv import query_tokens, search_tokens

__all__ = ["index_businesses", "search_page", "tokens_of"]

_TOKENS = BusinessSearchToken.__table__


def tokens_of(business: Business | dict[str, object]) -> set[str]:
    """The words a business is found by."""
    get = business.get if isinstance(business, dict) else lambda name: getattr(business, name)
    return search_tokens(*(str(get(n) or "") for n in ("name", "owner", "nib", "kelurahan")))


def index_businesses(session: Session, rows: Iterable[tuple[int, set[str]]], *, fresh: bool = False) -> None:
    """Replace the stored words of each (business id, words); `fresh` skips the delete for new businesses."""
    rows = list(rows)
    if not rows:
        return
    if not fresh:
        session.execute(_TOKENS.delete().where(_TOKENS.c.business_id.in_([i for i, _ in rows])))
    values = [{"business_id": i, "token": t} for i, words in rows for t in sorted(words)]
    if values:
        session.execute(_TOKENS.insert(), values)


def _upper(word: str) -> str:
    """The smallest string greater than every string starting with `word` (words are [a-z0-9])."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _matching(words: Sequence[str], visible: frozenset[int] | None) -> sa.CompoundSelect | sa.Select:
    selects = []
    for word in words:
        select = sa.select(_TOKENS.c.business_id).where(_TOKENS.c.token >= word, _TOKENS.c.token < _upper(word))
        if visible is not None:
            select = select.where(_TOKENS.c.business_id.in_(visible))
        selects.append(select)
    return selects[0].distinct() if len(selects) == 1 else sa.intersect(*selects)


def search_page(
    session: Session, query: str, visible: frozenset[int] | None, *, page: int, per_page: int,
    region: str | None = None,
) -> tuple[list[Business], int] | None:
    """One page of the businesses every word of `query` prefixes a word of, by id; None if it has no words."""
    words = query_tokens(query)
    if not words:
        return None
    matching = _matching(words, visible).subquery()
    ids_query = sa.select(matching.c.business_id)
    if region is not None:
        ids_query = ids_query.join(Business, Business.id == matching.c.business_id).where(Business.region == region)
    total = session.scalar(sa.select(sa.func.count()).select_from(ids_query.subquery())) or 0
    ids = session.scalars(ids_query.order_by(matching.c.business_id)
                          .limit(per_page).offset((page - 1) * per_page)).all()
    found = {b.id: b for b in session.scalars(sa.select(Business).where(Business.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids], total
