"""Search notes: every interaction the actor may read, ranked by keywords and by meaning.

Two rankings, fused by reciprocal rank fusion (each note scores the sum of 1 / (60 + its rank) in
each list it appears in), so a note found both ways rises to the top:

- **Keywords**: BM25 over word stems. SQL first narrows to readable notes containing a query
  word (``LIKE``; ``ILIKE`` on PostgreSQL), newest first, at most
  ``KEYWORD_CANDIDATES``; Python then tokenises those and scores whole-word matches (so "rent"
  does not match "parent").
- **Meaning**: cosine similarity between the query's vector and each readable note's vector
  (``caseapp.ai.embeddings``), so "eviction" finds "the landlord gave notice to leave".

Access: the same clauses as the case timeline (``caseapp.access``) decide which notes are
candidates, and are applied again when the hits are loaded; another worker's private note or a
case the actor may not open never appears. Each search is audited (the query and how many hits,
never the notes' text).

AI policy: search by meaning uses a local model and no text leaves the server, but an
organisation that turned AI features off asked for no AI processing of its notes, so then nothing
is embedded and search is by keyword only; the results say so.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from math import log

import numpy as np
from sqlalchemy import case as sql_case
from sqlalchemy import null, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.ai import embeddings
from caseapp.db import session_scope
from caseapp.errors import ValidationFailed
from caseapp.models import Case, Interaction, InteractionType, Person
from caseapp.organisation import organisation_time_zone
from caseapp.textinput import clean_line
from caseapp.timefmt import format_datetime, relative

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_LIMIT = 50
KEYWORD_CANDIDATES = 500  # notes containing a query word that BM25 reads, newest first
MEANING_CANDIDATES = 100
# Below this cosine similarity a note is not "about" the query. Chosen on the demo notes and
# ../shared/eval/notes_dev.jsonl (category queries; see docs/search.md): related notes score
# 0.15-0.5, unrelated ones mostly under 0.15; long notes score lower than short ones.
MIN_SIMILARITY = 0.15
LAZY_BUDGET = 500  # notes embedded during one search at most (0.1-0.3 s on the 2-core machine)
RRF_K = 60
SNIPPET_CHARS = 200

MEANING_OFF = "Search by meaning is off because AI features are turned off for this organisation. " \
    "Showing keyword matches only."
MEANING_UNAVAILABLE = "Search by meaning is unavailable on this server. Showing keyword matches " \
    "only."

SUFFIXES = ("ing", "ed", "es", "s")  # what the light stemmer takes off
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
STOPWORDS = frozenset(
    "a about after again all also am an and any are as at be been before being but by can could "
    "did do does doing for from had has have having he her here hers him his how i if in into is "
    "it its just me more most my no nor not of off on once only or other our out over own same "
    "she should so some such than that the their them then there these they this those through "
    "to too under until up very was we were what when where which while who whom why will with "
    "would you your".split())


@dataclass
class SnippetPart:
    text: str
    mark: bool  # the matched words (keywords) or the best-matching sentence (meaning)


@dataclass
class SearchHit:
    case_id: int
    case_reference: str
    person_name: str
    interaction_id: int
    kind: str
    kind_label: str
    occurred_at: str
    occurred_relative: str
    private: bool
    snippet: list[SnippetPart]
    score: float
    why: str  # "keyword", "meaning" or "both"
    why_label: str


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    meaning_on: bool = True
    notice: str = ""  # why meaning search was not used, when it was not


def stem(word: str) -> str:
    """A light English stemmer: plurals and -ing/-ed, enough for "visits"/"visited"/"visiting"."""
    w = word.lower().replace("'s", "")
    if w.endswith("ing") and len(w) >= 6:
        return w[:-3]
    if w.endswith("ed") and len(w) >= 5:
        return w[:-2]
    if w.endswith("es") and len(w) >= 5 and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return w[:-2]  # buses, boxes, matches
    if w.endswith("s") and len(w) >= 4 and not w.endswith(("ss", "us", "is")):
        return w[:-1]  # notes, arrears; not class, status, crisis
    return w


def query_terms(query: str) -> list[str]:
    """Distinct stems of the query's words, common words left out, at most 12."""
    out: list[str] = []
    for m in _WORD.finditer(query.lower()):
        word = m.group()
        if word in STOPWORDS or len(word) < 2:
            continue
        s = stem(word)
        if s not in out:
            out.append(s)
    return out[:12]


def _forms_pattern(terms: list[str]) -> re.Pattern[str]:
    """One regex for every whole word that may stem to a term (the term, or it plus a suffix),
    so a note is scanned once in C instead of stemming each of its words in Python."""
    forms = sorted({t + suffix for t in terms for suffix in ("", *SUFFIXES)}, key=len,
                   reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, forms)) + r")(?![^\W_])")


def bm25(terms: list[str], docs: list[tuple[int, str]], total_docs: int,
         k1: float = 1.2, b: float = 0.75) -> list[tuple[int, float]]:
    """BM25 of each (id, text) for the stemmed terms, best first; notes with no whole-word match
    are dropped. ``total_docs`` is the size of the collection, for the inverse document
    frequency; document frequencies come from ``docs`` (which hold every note containing a
    term, unless the candidate cap cut them short)."""
    if not terms:
        return []
    wanted = set(terms)
    pattern = _forms_pattern(terms)
    counted: list[tuple[int, dict[str, int], int]] = []
    df: dict[str, int] = dict.fromkeys(terms, 0)
    for doc_id, text in docs:
        lowered = text.lower()
        tf: dict[str, int] = {}
        for word in pattern.findall(lowered):
            s = stem(word)
            if s in wanted:  # "bus" + "es" is a form of "bus", but "buses" must stem to it
                tf[s] = tf.get(s, 0) + 1
        if tf:
            for t in tf:
                df[t] += 1
            counted.append((doc_id, tf, lowered.count(" ") + 1))  # words, near enough
    if not counted:
        return []
    avgdl = sum(n for _, _, n in counted) / len(counted)
    n_docs = max(total_docs, len(counted))
    idf = {t: log(1 + (n_docs - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}
    scored = [(doc_id, sum(idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * n / avgdl))
                           for t, f in tf.items()))
              for doc_id, tf, n in counted]
    return sorted(scored, key=lambda x: -x[1])


def _readable_notes(actor: Actor):  # type: ignore[no-untyped-def]
    """WHERE clauses: interactions on cases the actor may open that they may read."""
    return (access.case_visibility_clause(actor),
            access.private_interaction_clause(actor, Interaction.author_id, Interaction.private))


def _clean_query(query: str | None) -> str:
    text = clean_line(unicodedata.normalize("NFKC", query or ""))
    if not text:
        raise ValidationFailed({"query": "Type a word or phrase to search for"})
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationFailed({"query": f"Search for at most {MAX_QUERY_CHARS} characters "
                                         f"(this is {len(text):,}). Try a few key words."})
    if not _WORD.search(text):
        raise ValidationFailed({"query": "Type a word or phrase to search for"})
    return text


def _plain(text: str) -> str:
    """Note text for a snippet: markdown marks dropped, one line."""
    return " ".join(re.sub(r"[*_`#>|]+", " ", text).split())


def _keyword_snippet(text: str, terms: set[str]) -> list[SnippetPart]:
    plain = _plain(text)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(plain) if stem(m.group()) in terms]
    if not spans:
        return [SnippetPart(_clip(plain), False)]
    start = max(0, spans[0][0] - 60)
    if start:
        space = plain.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(plain), start + SNIPPET_CHARS)
    if end < len(plain):  # end at a space, not inside a word
        cut = plain.rfind(" ", spans[0][1], end)
        end = cut if cut > 0 else end
    parts: list[SnippetPart] = [SnippetPart("…", False)] if start else []
    at = start
    for s, e in spans:
        if s < at or e > end:
            continue
        if s > at:
            parts.append(SnippetPart(plain[at:s], False))
        parts.append(SnippetPart(plain[s:e], True))
        at = e
    if at < end:
        parts.append(SnippetPart(plain[at:end], False))
    if end < len(plain):
        parts.append(SnippetPart("…", False))
    return parts


def _clip(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _meaning_snippet(text: str, query_vector: np.ndarray) -> list[SnippetPart]:
    """The sentence of the note closest in meaning to the query, marked."""
    sentences = [s for s in (_plain(p) for p in _SENTENCE.split(text)) if s][:40]
    if len(sentences) <= 1:
        return [SnippetPart(_clip(_plain(text)), True)]
    best = int(np.argmax(embeddings.embed(sentences) @ query_vector))
    parts = [SnippetPart("…", False)] if best else []
    parts.append(SnippetPart(_clip(sentences[best]), True))
    if best < len(sentences) - 1:
        parts.append(SnippetPart("…", False))
    return parts


WHY_LABELS = {"both": "Words and meaning match", "keyword": "Words match",
              "meaning": "Similar meaning"}


def search_notes(actor: Actor, query: str, limit: int = 20) -> SearchResults:
    """The notes the actor may read that best match the query, best first."""
    text = _clean_query(query)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed({"limit": f"Ask for 1 to {MAX_LIMIT} results"})
    terms = query_terms(text)
    notes_total = _catch_up_index()
    with session_scope() as db:
        results = SearchResults(query=text)
        meaning_on = embeddings.meaning_enabled(db)
        if not meaning_on:
            results.meaning_on, results.notice = False, MEANING_OFF
        elif not embeddings.model_available():
            meaning_on = False
            results.meaning_on, results.notice = False, MEANING_UNAVAILABLE
        if not terms and not meaning_on:
            raise ValidationFailed({"query": "Search for a less common word: words like “the” "
                                             "and “about” are left out"})
        if notes_total is None:
            notes_total = embeddings.counts(db)[0]
        # Admins and managers read every note: meaning search need not list them first.
        among, docs = _candidates(db, actor, terms, meaning_on and not actor.is_manager_or_admin)
        keyword_ranked = bm25(terms, docs, notes_total)
        meaning_ranked: list[tuple[int, float]] = []
        query_vector = np.zeros(embeddings.DIM, dtype=np.float32)
        if meaning_on:
            query_vector = embeddings.embed([text])[0]
            if np.any(query_vector):
                meaning_ranked = embeddings.nearest(db, query_vector, among, MEANING_CANDIDATES,
                                                    MIN_SIMILARITY)
        fused: dict[int, float] = {}
        found_by: dict[int, set[str]] = {}
        for how, ranked in (("keyword", keyword_ranked), ("meaning", meaning_ranked)):
            for rank, (iid, _score) in enumerate(ranked):
                fused[iid] = fused.get(iid, 0.0) + 1.0 / (RRF_K + rank + 1)
                found_by.setdefault(iid, set()).add(how)
        # A few spare: a hit that fails the access re-check (a just-deleted note) leaves room.
        best = sorted(fused, key=lambda i: -fused[i])[: limit + 5]
        results.hits = _load_hits(db, actor, best, fused, found_by, set(terms), query_vector)[:limit]
        # Which notes were shown (as the timeline records), never their text.
        audit.record(db, actor, "notes.search", "interaction", None, query=text,
                     results=len(results.hits), meaning=meaning_on,
                     interaction_ids=[h.interaction_id for h in results.hits])
        return results


def _catch_up_index() -> int | None:
    """Embed notes that have no vector yet, in a transaction of its own that commits before the
    search reads (so the search sees them). Two searches catching up the same notes at once:
    one wins, the other's insert fails on the unique interaction id and it simply searches.
    Returns how many notes there are (for BM25), when it counted them."""
    try:
        with session_scope() as db:
            counted = embeddings.counts(db)
            if embeddings.meaning_enabled(db) and embeddings.model_available():
                embeddings.catch_up(db, LAZY_BUDGET, counted)
            return counted[0]
    except (IntegrityError, OperationalError):
        logger.warning("lazy indexing skipped this time", exc_info=True)
        return None


def _candidates(db: Session, actor: Actor, terms: list[str],
                want_ids: bool) -> tuple[np.ndarray | None, list[tuple[int, str]]]:
    """The ids of every note the actor may read (only when ``want_ids``: meaning search needs
    them for actors who may not read every note), and the newest readable notes that contain a
    query word, for BM25. One pass over the actor's notes gives both."""
    text = col(Interaction.text)
    # SQLite's LIKE already ignores ASCII case (and its lower() knows no other letters).
    contains = text.like if db.get_bind().dialect.name == "sqlite" else text.ilike
    matches = or_(*[contains(f"%{t}%") for t in terms]) if terms else None
    conn = db.connection()
    if want_ids:
        wanted = sql_case((matches, text), else_=None) if matches is not None else null()
        rows = conn.execute(select(Interaction.id, wanted)
                            .join(Case, Case.id == Interaction.case_id)
                            .where(*_readable_notes(actor))
                            .order_by(col(Interaction.id).desc())).all()
        among = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return among, [(r[0], r[1]) for r in rows if r[1] is not None][:KEYWORD_CANDIDATES]
    if matches is None:
        return None, []
    # Newest first by id, not by time: the database walks the primary key backwards and stops
    # at the cap instead of sorting every match.
    q = (select(Interaction.id, Interaction.text)
         .join(Case, Case.id == Interaction.case_id)
         .where(*_readable_notes(actor), matches)
         .order_by(col(Interaction.id).desc())
         .limit(KEYWORD_CANDIDATES))
    return None, [(int(i), t) for i, t in conn.execute(q)]


def _load_hits(db: Session, actor: Actor, ids: list[int], fused: dict[int, float],
               found_by: dict[int, set[str]], terms: set[str],
               query_vector: np.ndarray) -> list[SearchHit]:
    if not ids:
        return []
    rows = db.connection().execute(
        select(Interaction.id, Interaction.case_id, Interaction.kind, Interaction.occurred_at,
               Interaction.text, Interaction.private, Case.reference, Person.name)
        .join(Case, Case.id == Interaction.case_id).join(Person, Person.id == Case.person_id)
        .where(col(Interaction.id).in_(ids), *_readable_notes(actor))).all()
    tz = organisation_time_zone(db)
    hits: list[SearchHit] = []
    for iid, case_id, kind, when, text, private, reference, person in rows:
        how = found_by[iid]
        why = "both" if len(how) == 2 else next(iter(how))
        snippet = (_keyword_snippet(text, terms) if "keyword" in how
                   else _meaning_snippet(text, query_vector))
        hits.append(SearchHit(
            case_id=case_id, case_reference=reference, person_name=person, interaction_id=iid,
            kind=kind, kind_label=InteractionType(kind).label,
            occurred_at=format_datetime(when, tz), occurred_relative=relative(when),
            private=bool(private), snippet=snippet, score=round(fused[iid], 5), why=why,
            why_label=WHY_LABELS[why]))
    hits.sort(key=lambda h: -h.score)
    return hits


def index_notes(progress: bool = True) -> int:
    """Embed every note not yet embedded or changed since (``python -m caseapp index-notes``)."""
    def report(n: int) -> None:
        if progress:
            print(f"  {n:,} notes indexed", flush=True)

    return embeddings.index_all(session_scope, report)
