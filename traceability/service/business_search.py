"""Finding businesses by name, owner, NIB or kelurahan among tens of thousands.

Every tail of each field's words is kept in ``business_search_token`` ("kopi pak man", "pak man",
"man"). A query is first matched as one phrase: a single B-tree range (``token >= q AND token < q'``)
finds the businesses where its words begin consecutive words of one field, at a cost proportional to
the matches, not to the registry, on SQLite and PostgreSQL alike. Only when no field holds the phrase
are the words matched one by one across fields (each must begin some word); that costs as much as the
most common word's matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, BusinessSearchToken, table_of
from traceability.formats.registry_csv import query_phrase, query_tokens, search_tokens
from traceability.service.bulk import insert_rows

__all__ = ["index_businesses", "search_page", "tokens_of"]

_TOKENS = table_of(BusinessSearchToken)


def tokens_of(business: Business | dict[str, object]) -> set[str]:
    """The words a business is found by."""
    get = business.get if isinstance(business, dict) else lambda name: getattr(business, name)
    return search_tokens(*(str(get(n) or "") for n in ("name", "owner", "nib", "kelurahan")))


def index_businesses(session: Session, rows: Iterable[tuple[int, set[str]]], *, fresh: bool = False) -> None:
    """Replace the stored words of each (business id, words); `fresh` skips the delete for new businesses."""
    rows = list(rows)
    if not rows:
        return
    if not fresh:  # ids rendered literally: see registry._literal (no stale generic plan on PostgreSQL)
        ids: sa.BindParameter[list[int]] = sa.bindparam(
            "ids", [i for i, _ in rows], expanding=True, literal_execute=True
        )
        session.execute(_TOKENS.delete().where(_TOKENS.c.business_id.in_(ids)))
    insert_rows(session, _TOKENS, [{"business_id": i, "token": t} for i, words in rows for t in sorted(words)])


def _upper(word: str) -> str:
    """The smallest string greater than every string starting with `word` (words are [a-z0-9])."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _matching(words: Sequence[str], visible: frozenset[int] | None) -> sa.CompoundSelect | sa.Select:
    """Businesses with a token that each of `words` prefixes (one word: one range scan)."""
    selects = []
    for word in words:
        select = sa.select(_TOKENS.c.business_id).where(_TOKENS.c.token >= word, _TOKENS.c.token < _upper(word))
        if visible is not None:
            select = select.where(_TOKENS.c.business_id.in_(visible))
        selects.append(select)
    return selects[0].distinct() if len(selects) == 1 else sa.intersect(*selects)


def _counted(
    session: Session,
    matching: sa.CompoundSelect | sa.Select,
    region: str | None,
) -> tuple[sa.Select, int]:
    found = matching.subquery()
    ids_query = sa.select(found.c.business_id)
    if region is not None:
        ids_query = ids_query.join(Business, Business.id == found.c.business_id).where(Business.region == region)
    return ids_query, session.scalar(sa.select(sa.func.count()).select_from(ids_query.subquery())) or 0


def search_page(
    session: Session,
    query: str,
    visible: frozenset[int] | None,
    *,
    page: int,
    per_page: int,
    region: str | None = None,
) -> tuple[list[Business], int] | None:
    """One page of the businesses matching `query` (as a phrase in one field, else word by word), by id,
    and their number; None if the query has no words."""
    phrase = query_phrase(query)
    if not phrase:
        return None
    words = query_tokens(query)
    ids_query, total = _counted(session, _matching([phrase], visible), region)
    if total == 0 and len(words) > 1:
        ids_query, total = _counted(session, _matching(words, visible), region)
    matching = ids_query.subquery()
    ids = session.scalars(
        sa.select(matching.c.business_id).order_by(matching.c.business_id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    found = {b.id: b for b in session.scalars(sa.select(Business).where(Business.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids], total
