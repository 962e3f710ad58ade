"""The meaning of a note as a vector: a local embedding model, the note_embedding index, and an
in-memory copy of the vectors for fast search.

The model is WordLlama's ``l2_supercat`` (256 dimensions): token embeddings distilled from a large
language model, averaged over a text. Its weights (17 MB) and tokenizer ship inside the
``wordllama`` wheel and need only numpy and ``tokenizers``; nothing is downloaded, ever. We load
the two files ourselves instead of calling ``WordLlama.load``: in wordllama 0.4.0 that looks for the
tokenizer in a folder name that does not exist in the wheel and, not finding it, downloads it from
Hugging Face.

Vectors are unit length and stored as float16 (512 bytes a note). Embedding costs well under a
millisecond a note, so a note is embedded in the same transaction that saves it; anything not yet
embedded (demo data, older notes, a failure) is caught up in batches at search time and by
``python -m caseapp index-notes``.

When the organisation turns AI features off, nothing is embedded (on save, lazily or by the
command) and search uses keywords only. The vectors never leave the server.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from caseapp.models import Interaction, NoteEmbedding, Organisation

log = logging.getLogger(__name__)

MODEL_NAME = "wordllama-l2_supercat-256"
DIM = 256
# Meaning is taken from the start of a long note: a 50,000-character note averaged over all its
# words says little, and padding a batch to its longest note would cost memory. Keyword search
# still reads the whole text.
MAX_EMBED_CHARS = 4000
BATCH = 256
RELOAD_SECONDS = 600  # how often a server re-reads all vectors (see _refresh)
RELATIVE_FLOOR = 0.6  # meaning hits must score at least this share of the best one


class ModelUnavailable(RuntimeError):
    """The embedding model could not be loaded (package missing or damaged)."""


@lru_cache(maxsize=1)
def _model() -> Any:
    """Load once per process (about half a second). Raises ModelUnavailable."""
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference
    except ImportError as exc:
        raise ModelUnavailable("The search model package (wordllama) is not installed") from exc
    root = Path(wordllama.__file__).parent
    weights = root / "weights" / "l2_supercat_256.safetensors"
    tokenizer_file = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not weights.exists() or not tokenizer_file.exists():
        raise ModelUnavailable("The search model's files are missing from the wordllama package")
    with safe_open(str(weights), framework="np", device="cpu") as f:
        matrix = f.get_tensor("embedding.weight")
    return WordLlamaInference(matrix, Tokenizer.from_file(str(tokenizer_file)))


def model_available() -> bool:
    try:
        _model()
    except ModelUnavailable:
        log.exception("search by meaning is unavailable")
        return False
    return True


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, shape n × 256) for the texts. Raises ModelUnavailable."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    clipped = [t[:MAX_EMBED_CHARS] for t in texts]
    # Similar lengths in one batch: the tokenizer pads every text to the batch's longest.
    order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
    vectors = np.empty((len(clipped), DIM), dtype=np.float32)
    for start in range(0, len(order), 64):
        idx = order[start:start + 64]
        vectors[idx] = model.embed([clipped[i] for i in idx], batch_size=64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0  # a text with no known tokens stays the zero vector
    return vectors / norms


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text[:MAX_EMBED_CHARS]}".encode()).hexdigest()


def _pack(vector: np.ndarray) -> bytes:
    return vector.astype(np.float16).tobytes()


def _unpack(blobs: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), DIM) \
        .astype(np.float32)


def meaning_enabled(db: Session) -> bool:
    """The organisation's AI switch governs embedding too (see the module docstring)."""
    org = db.get(Organisation, 1)
    return org is None or bool(org.ai_enabled)


def _store(db: Session, rows: list[tuple[int, str]]) -> int:
    """Embed (interaction id, text) pairs and replace their rows. Returns how many."""
    if not rows:
        return 0
    vectors = embed([text for _, text in rows])
    ids = [iid for iid, _ in rows]
    # Delete then insert, so a re-embedded note gets a new id (the in-memory copy catches up).
    db.connection().execute(delete(NoteEmbedding).where(NoteEmbedding.interaction_id.in_(ids)))  # type: ignore[union-attr]
    db.connection().execute(insert(NoteEmbedding), [
        {"interaction_id": iid, "model": MODEL_NAME, "text_hash": text_hash(text),
         "vector": _pack(vec)} for (iid, text), vec in zip(rows, vectors, strict=True)])
    return len(rows)


def index_interaction(db: Session, interaction: Interaction) -> None:
    """Embed one saved or edited note inside the caller's transaction. Never fails the save: a
    note that cannot be embedded now is caught up later."""
    try:
        if interaction.id is None or not meaning_enabled(db):
            return
        current = db.connection().execute(select(NoteEmbedding.text_hash).where(
            NoteEmbedding.interaction_id == interaction.id)).scalar()
        if current != text_hash(interaction.text):
            _store(db, [(interaction.id, interaction.text)])
    except ModelUnavailable:
        log.exception("note %s not embedded; it will be indexed later", interaction.id)


def missing(db: Session, limit: int) -> list[tuple[int, str]]:
    """Notes with no vector yet, oldest first."""
    q = (select(Interaction.id, Interaction.text)
         .outerjoin(NoteEmbedding, NoteEmbedding.interaction_id == Interaction.id)
         .where(NoteEmbedding.id.is_(None)).order_by(Interaction.id).limit(limit))  # type: ignore[union-attr]
    return [(int(i), t) for i, t in db.connection().execute(q)]


def counts(db: Session) -> tuple[int, int]:
    """(interactions, embedded notes): cheap, so every search can tell whether to catch up."""
    notes = db.connection().execute(select(func.count()).select_from(Interaction)).scalar_one()
    done = db.connection().execute(select(func.count()).select_from(NoteEmbedding)).scalar_one()
    return int(notes), int(done)


def catch_up(db: Session, budget: int, known_counts: tuple[int, int] | None = None) -> int:
    """Embed up to ``budget`` notes that have no vector yet; returns how many."""
    notes, done = known_counts or counts(db)
    if notes <= done:
        return 0
    return _store(db, missing(db, budget))


def index_all(session_factory: Callable[[], Any],
              progress: Callable[[int], None] | None = None) -> int:
    """Embed every note that has no vector or a stale one (edited text, another model), one
    batch per transaction so an interrupted run keeps what it did. Returns how many."""
    total = 0
    with session_factory() as db:
        if not meaning_enabled(db):
            return 0
        stale = [iid for iid, h, m, text in db.connection().execute(
            select(NoteEmbedding.interaction_id, NoteEmbedding.text_hash, NoteEmbedding.model,
                   Interaction.text).join(Interaction,
                                          Interaction.id == NoteEmbedding.interaction_id))
            if m != MODEL_NAME or h != text_hash(text)]
    for start in range(0, len(stale), BATCH):
        with session_factory() as db:
            ids = stale[start:start + BATCH]
            rows = db.connection().execute(select(Interaction.id, Interaction.text)
                              .where(Interaction.id.in_(ids))).all()  # type: ignore[union-attr]
            total += _store(db, [(int(i), t) for i, t in rows])
        if progress:
            progress(total)
    while True:
        with session_factory() as db:
            done = _store(db, missing(db, BATCH * 4))
        if not done:
            return total
        total += done
        if progress:
            progress(total)


# ---- The in-memory copy -------------------------------------------------------------------------

@dataclass
class _Vectors:
    """One database's vectors, as a float32 matrix (1 KB a note) and their interaction ids."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), dtype=np.float32))
    last_id: int = 0  # the highest note_embedding.id read
    row_of: dict[int, int] = field(default_factory=dict)  # interaction id -> row (live rows)
    loaded_at: float = -1e12  # time.monotonic() of the last full read (never: read now)
    sorted_ids: np.ndarray | None = None  # ids sorted, with ``order``: for subset look-ups
    order: np.ndarray | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_copies: dict[str, _Vectors] = {}
_copies_lock = threading.Lock()


def _copy_for(engine: Engine) -> _Vectors:
    key = engine.url.render_as_string(hide_password=True)
    with _copies_lock:
        return _copies.setdefault(key, _Vectors())


def _refresh(db: Session, vec: _Vectors) -> None:
    """Read rows added since last time (cheap: the highest id comes from the primary key).
    Every ``RELOAD_SECONDS`` read everything again, which drops deleted notes' vectors (they
    can never be shown meanwhile: hits are loaded through the access-checked query) and picks
    up a row committed out of id order on PostgreSQL."""
    top = db.connection().execute(select(func.max(NoteEmbedding.id))).scalar() or 0
    if top < vec.last_id or time.monotonic() - vec.loaded_at > RELOAD_SECONDS:
        vec.__init__(lock=vec.lock)  # type: ignore[misc]  # also: a new or restored database
        _refresh_all(db, vec)
        return
    if top > vec.last_id:
        rows = db.connection().execute(
            select(NoteEmbedding.id, NoteEmbedding.interaction_id, NoteEmbedding.vector)
            .where(NoteEmbedding.id > vec.last_id).order_by(NoteEmbedding.id)).all()
        if rows:
            new = _unpack([r[2] for r in rows])
            base = len(vec.ids)
            vec.ids = np.concatenate([vec.ids, np.array([r[1] for r in rows], dtype=np.int64)])
            vec.matrix = np.concatenate([vec.matrix, new]) if base else new
            for n, r in enumerate(rows):
                old = vec.row_of.get(r[1])
                if old is not None:
                    vec.ids[old] = -1  # an edit: the old vector is dead
                vec.row_of[r[1]] = base + n
            vec.last_id = int(rows[-1][0])
            vec.sorted_ids = vec.order = None
    if len(vec.row_of) * 2 < len(vec.ids):  # many edits: compact the dead rows away
        live = vec.ids >= 0
        vec.ids, vec.matrix = vec.ids[live], vec.matrix[live]
        vec.row_of = {int(i): n for n, i in enumerate(vec.ids)}
        vec.sorted_ids = vec.order = None


def _refresh_all(db: Session, vec: _Vectors) -> None:
    rows = db.connection().execute(select(NoteEmbedding.id, NoteEmbedding.interaction_id,
                             NoteEmbedding.vector).order_by(NoteEmbedding.id)).all()
    vec.ids = np.array([r[1] for r in rows], dtype=np.int64)
    vec.matrix = _unpack([r[2] for r in rows]) if rows else np.zeros((0, DIM), dtype=np.float32)
    vec.row_of = {int(r[1]): n for n, r in enumerate(rows)}
    vec.last_id = int(rows[-1][0]) if rows else 0
    vec.loaded_at = time.monotonic()


def nearest(db: Session, query_vector: np.ndarray, among: np.ndarray | None,
            k: int, min_similarity: float) -> list[tuple[int, float]]:
    """The k interaction ids most similar to the query, best first, with cosine similarity at
    least ``min_similarity``. ``among`` limits the search to those interaction ids (what the
    actor may read); None means every note (the caller re-checks access on the hits)."""
    vec = _copy_for(db.get_bind())  # type: ignore[arg-type]
    with vec.lock:
        _refresh(db, vec)
        ids, matrix = vec.ids, vec.matrix
        if among is not None:
            if vec.sorted_ids is None:
                vec.order = np.argsort(ids, kind="stable")
                vec.sorted_ids = ids[vec.order]
            sorted_ids, order = vec.sorted_ids, vec.order
    if among is not None:
        assert sorted_ids is not None and order is not None
        want = np.asarray(among, dtype=np.int64)
        pos = np.searchsorted(sorted_ids, want)
        inside = pos < len(sorted_ids)
        pos, want = pos[inside], want[inside]
        rows = order[pos[sorted_ids[pos] == want]]
        ids, matrix = ids[rows], matrix[rows]
    if not len(ids):
        return []
    scores = matrix @ query_vector.astype(np.float32)
    scores[ids < 0] = -1.0
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    # A strong match sets the bar: notes far weaker than the best are noise, not meaning.
    floor = max(min_similarity, RELATIVE_FLOOR * float(scores[top[0]]))
    return [(int(ids[i]), float(scores[i])) for i in top if scores[i] >= floor]

