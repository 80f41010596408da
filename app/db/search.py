"""Full-text search over places with the database's own engine: SQLite FTS5 (table ``location_fts``, made by
migration 0003) or PostgreSQL ``tsvector`` (GIN expression index ``ix_location_fts``). Both stem English words
(FTS5's porter tokenizer, the ``english`` text-search configuration) and match word prefixes, and both rank
names above films, scenes and addresses."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from app.db.models import Film, Location

MAX_TERMS = 8
MAX_TERM_CHARS = 40
_WORD = re.compile(r"\w+", re.UNICODE)

# FTS5 bm25 weights for (name, films, scenes, address); the unindexed id column comes first and has none.
_BM25 = "bm25(location_fts, 0.0, 8.0, 4.0, 2.0, 1.0)"
PG_VECTOR = (
    "setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', search_text), 'B')"
)


def _parts(props: dict[str, Any], film_titles: dict[str, str]) -> dict[str, str]:
    apps = props.get("appearances") or []
    return {
        "name": props.get("name") or "",
        "films": " ".join(film_titles.get(a["film"], a["film"]) for a in apps),
        "scenes": " ".join(a.get("scene") or "" for a in apps),
        "address": " ".join(filter(None, (props.get("address"), props.get("locality")))),
    }


def document_text(props: dict[str, Any], film_titles: dict[str, str]) -> str:
    """What PostgreSQL indexes besides the name (kept in ``location.search_text``)."""
    p = _parts(props, film_titles)
    return "\n".join((p["films"], p["scenes"], p["address"]))


def terms(q: str) -> list[str]:
    """The words of a query (punctuation and operators dropped, so user text never becomes query syntax)."""
    return [w[:MAX_TERM_CHARS] for w in _WORD.findall(q)][:MAX_TERMS]


def rebuild_index(session: Session) -> None:
    """Refill the SQLite FTS5 table from the location rows (PostgreSQL's index follows the rows by itself)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    titles = {f.id: f.title for f in session.exec(select(Film)).all()}
    session.exec(text("DELETE FROM location_fts"))  # type: ignore[call-overload]
    for loc in session.exec(select(Location)).all():
        p = _parts(loc.properties, titles)
        session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO location_fts (location_id, name, films, scenes, address) "
                "VALUES (:id, :name, :films, :scenes, :address)"
            ).bindparams(id=loc.id, **p)
        )


def search(session: Session, words: list[str]) -> list[tuple[str, float]]:
    """Place ids matching every word (as a prefix), best first, with the engine's score (higher is better)."""
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        rows = session.exec(  # type: ignore[call-overload]
            text(
                f"SELECT location_id, -{_BM25} AS score FROM location_fts "
                "WHERE location_fts MATCH :match ORDER BY score DESC, location_id"
            ).bindparams(match=match)
        ).all()
    else:
        query = " & ".join(f"{w}:*" for w in words)
        rows = session.exec(  # type: ignore[call-overload]
            text(
                f"SELECT id, ts_rank({PG_VECTOR}, to_tsquery('english', :q)) AS score FROM location "
                f"WHERE ({PG_VECTOR}) @@ to_tsquery('english', :q) ORDER BY score DESC, id"
            ).bindparams(q=query)
        ).all()
    return [(r[0], float(r[1])) for r in rows]
