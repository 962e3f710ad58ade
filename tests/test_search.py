"""Search notes: ranking by meaning and keywords, the role matrix, the index, bad queries."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from sqlalchemy import delete, func, select, update

from caseapp import search
from caseapp.ai import embeddings
from caseapp.db import session_scope
from caseapp.errors import ValidationFailed
from caseapp.interactions import NewInteraction, add_interaction
from caseapp.models import AuditEvent, Interaction, InteractionTag, NoteEmbedding
from caseapp.organisation import update_organisation
from caseapp.search import search_notes
from tests.conftest import World

LANDLORD = "Landlord gave her notice to leave the flat by the end of the month."
KIDS = "Mum is struggling to get the kids to school; the teacher raised bruising on the youngest."
ASTHMA = "Phoned the GP about her asthma inhaler; appointment booked for Tuesday."
JOBS = "Went to the jobs fair together, CV updated, interview next week at the warehouse."
FOOTBALL = "Met at the drop-in, had a coffee and chatted about the football results."


def note(actor: object, case_id: int, text: str, private: bool = False) -> int:
    return add_interaction(actor, case_id, NewInteraction(text=text, private=private))  # type: ignore[arg-type]


def ids(results: search.SearchResults) -> list[int]:
    return [h.interaction_id for h in results.hits]


def words(text: str) -> set[str]:
    return {search.stem(w) for w in text.lower().replace(".", " ").replace(";", " ").split()}


@pytest.fixture
def notes(world: World) -> dict[str, int]:
    """A handful of unrelated notes on the worker's case."""
    return {name: note(world.worker, world.case_worker, text) for name, text in
            (("landlord", LANDLORD), ("kids", KIDS), ("asthma", ASTHMA), ("jobs", JOBS),
             ("football", FOOTBALL))}


def test_meaning_finds_a_note_that_shares_no_word_with_the_query(world: World,
                                                                 notes: dict[str, int]) -> None:
    assert not set(search.query_terms("eviction")) & words(LANDLORD)
    found = search_notes(world.manager, "eviction")
    assert found.meaning_on and found.notice == ""
    assert ids(found)[0] == notes["landlord"]
    top = found.hits[0]
    assert top.why == "meaning" and top.why_label == "Similar meaning"
    assert top.case_id == world.case_worker and top.person_name == "Aled Jones"
    assert top.kind == "note" and top.occurred_at
    assert any(p.mark for p in top.snippet)  # the sentence that matched is marked
    assert notes["football"] not in ids(found)  # unrelated notes stay out

    children = search_notes(world.manager, "worried about the children")
    assert ids(children)[0] == notes["kids"]
    work = search_notes(world.manager, "employment")
    assert ids(work)[0] == notes["jobs"]


def test_keywords_match_whole_words_and_mark_them(world: World, notes: dict[str, int]) -> None:
    found = search_notes(world.manager, "inhaler")
    assert ids(found)[0] == notes["asthma"]
    hit = found.hits[0]
    assert hit.why in ("keyword", "both")
    assert [p.text for p in hit.snippet if p.mark] == ["inhaler"]
    assert "".join(p.text for p in hit.snippet).replace("…", "").strip() in ASTHMA
    # "rent" is inside "parent" and "current": no keyword match there.
    note(world.worker, world.case_worker, "Her parent is currently away.")
    assert all(h.why == "meaning" for h in search_notes(world.manager, "rent").hits)


def test_found_both_ways_ranks_above_found_one_way(world: World) -> None:
    both = note(world.worker, world.case_worker, "Eviction notice served by the landlord today.")
    keyword_only = note(world.worker, world.case_worker,
                        "Eviction was mentioned in passing; mostly talked about the football.")
    found = search_notes(world.manager, "eviction")
    assert ids(found)[0] == both and found.hits[0].why == "both"
    assert keyword_only in ids(found)
    assert found.hits[0].score > found.hits[ids(found).index(keyword_only)].score


@pytest.mark.parametrize(("words_", "same"), [
    (("visit", "visits", "visited", "visiting"), True),
    (("note", "notes"), True),
    (("bus", "buses"), True),
    (("match", "matches"), True),
    (("arrears", "arrear"), True),
    (("status", "statu"), False),
    (("class", "clas"), False),
])
def test_the_light_stemmer(words_: tuple[str, ...], same: bool) -> None:
    assert (len({search.stem(w) for w in words_}) == 1) is same


def test_bm25_prefers_rarer_words_and_more_mentions() -> None:
    docs = [(1, "rent rent arrears"), (2, "rent paid"), (3, "arrears letter"), (4, "the parent")]
    ranked = search.bm25(["rent", "arrear"], docs, total_docs=100)
    assert [d for d, _ in ranked] == [1, 2, 3]  # 4 has "parent", not "rent"
    assert ranked[0][1] > ranked[1][1] > 0


# The role matrix: which of these notes each role may read (DESIGN.md §4).
def test_each_role_finds_only_what_it_may_read(world: World) -> None:
    text = "Eviction hearing next week; landlord wants possession of the flat."
    made = {
        "worker_case": note(world.worker, world.case_worker, text),
        "worker_private": note(world.worker, world.case_worker, text, private=True),
        "north_private": note(world.worker2, world.case_worker, text, private=True),
        "south_case": note(world.south, world.case_south, text),
        "south_private": note(world.south, world.case_south, text, private=True),
        "unassigned": note(world.admin, world.case_unassigned, text),
        "volunteer_case": note(world.volunteer, world.case_volunteer, text),
        "volunteer_private": note(world.volunteer, world.case_volunteer, text, private=True),
        "manager_private": note(world.manager, world.case_volunteer, text, private=True),
    }
    everything = set(made)
    may_read = {
        "admin": everything, "manager": everything,
        "worker": {"worker_case", "worker_private", "unassigned", "volunteer_case"},
        "worker2": {"worker_case", "north_private", "unassigned", "volunteer_case"},
        "south": {"south_case", "south_private", "unassigned"},
        "volunteer": {"volunteer_case", "volunteer_private"},
    }
    for who, allowed in may_read.items():
        actor = getattr(world, who)
        for query in ("eviction possession", "tenant problems", "landlord"):
            found = set(ids(search_notes(actor, query, limit=50)))
            assert found == {made[n] for n in allowed}, (who, query)


def test_meaning_only_hits_respect_access_too(world: World, notes: dict[str, int]) -> None:
    secret = note(world.south, world.case_south, "The landlord told him to get out by Friday.",
                  private=True)
    for who in ("worker", "worker2", "volunteer"):
        found = search_notes(getattr(world, who), "eviction")
        assert secret not in ids(found)
    assert notes["landlord"] not in ids(search_notes(world.volunteer, "eviction"))
    assert notes["landlord"] not in ids(search_notes(world.south, "eviction"))
    assert secret in ids(search_notes(world.south, "eviction"))  # their own private note


def test_a_search_is_audited_without_the_notes_text(world: World, notes: dict[str, int]) -> None:
    search_notes(world.worker, "eviction")
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "notes.search")).one()[0]
    assert event.actor_id == world.worker.id  # type: ignore[attr-defined]
    detail = json.loads(event.detail)
    assert detail["query"] == "eviction" and detail["results"] >= 1 and detail["meaning"] is True
    assert detail["interaction_ids"][0] == notes["landlord"]
    assert "Landlord" not in event.detail


@pytest.mark.parametrize(("query", "message"), [
    ("", "Type a word or phrase to search for"),
    ("   \n ", "Type a word or phrase to search for"),
    ("?!…", "Type a word or phrase to search for"),
    ("eviction " * 30, "at most 200 characters"),
])
def test_bad_queries_say_why_and_change_nothing(world: World, notes: dict[str, int], query: str,
                                                message: str) -> None:
    with session_scope() as db:
        db.execute(delete(NoteEmbedding))  # so that a search would have embedded them again
        before = db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    with pytest.raises(ValidationFailed) as err:
        search_notes(world.worker, query)
    assert message in err.value.errors["query"]
    with session_scope() as db:
        assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before
        assert db.execute(select(func.count()).select_from(NoteEmbedding)).scalar_one() == 0


def test_a_silly_limit_is_refused(world: World) -> None:
    for limit in (0, 51, -3):
        with pytest.raises(ValidationFailed):
            search_notes(world.worker, "eviction", limit=limit)


def test_each_saved_note_is_embedded_once(world: World, notes: dict[str, int]) -> None:
    with session_scope() as db:
        rows = db.execute(select(NoteEmbedding.interaction_id, NoteEmbedding.model)).all()
    assert sorted(r[0] for r in rows) == sorted(notes.values())
    assert {r[1] for r in rows} == {embeddings.MODEL_NAME}


def _vector(interaction_id: int) -> np.ndarray:
    with session_scope() as db:
        blob = db.execute(select(NoteEmbedding.vector).where(
            NoteEmbedding.interaction_id == interaction_id)).scalar_one()
    return np.frombuffer(blob, dtype=np.float16)


def test_an_edited_note_is_embedded_again(world: World, notes: dict[str, int]) -> None:
    iid = notes["football"]
    before = _vector(iid)
    assert iid not in ids(search_notes(world.manager, "eviction"))
    new_text = "Landlord gave him notice to quit the tenancy."
    with session_scope() as db:  # an edit, as an edit service would save it
        db.execute(update(Interaction).where(Interaction.id == iid).values(text=new_text))
        embeddings.index_interaction(db, db.get(Interaction, iid))  # type: ignore[arg-type]
    assert not np.array_equal(before, _vector(iid))
    assert iid in ids(search_notes(world.manager, "eviction"))  # the in-memory copy caught up
    assert iid not in ids(search_notes(world.manager, "football"))


def test_index_notes_catches_stale_and_missing_vectors(world: World,
                                                       notes: dict[str, int]) -> None:
    with session_scope() as db:  # changed behind the index's back, and one never embedded
        db.execute(update(Interaction).where(Interaction.id == notes["jobs"])
                   .values(text="Rent arrears letter from the council."))
        db.execute(delete(NoteEmbedding).where(NoteEmbedding.interaction_id == notes["kids"]))
    assert search.index_notes(progress=False) == 2
    assert search.index_notes(progress=False) == 0  # safe to repeat
    from caseapp.__main__ import main
    assert main(["index-notes"]) == 0


def test_notes_never_embedded_are_found_by_meaning(world: World, notes: dict[str, int]) -> None:
    with session_scope() as db:  # e.g. notes from before this feature, or demo data
        db.execute(delete(NoteEmbedding))
    assert ids(search_notes(world.manager, "eviction"))[0] == notes["landlord"]
    with session_scope() as db:
        assert db.execute(select(func.count()).select_from(NoteEmbedding)).scalar_one() == 5


def test_deleting_a_note_deletes_its_vector_and_its_hits(world: World,
                                                         notes: dict[str, int]) -> None:
    iid = notes["landlord"]
    assert iid in ids(search_notes(world.manager, "eviction"))
    with session_scope() as db:  # as erasure would
        db.execute(delete(InteractionTag).where(InteractionTag.interaction_id == iid))
        db.execute(delete(Interaction).where(Interaction.id == iid))
    with session_scope() as db:
        assert db.execute(select(NoteEmbedding).where(
            NoteEmbedding.interaction_id == iid)).first() is None
    assert iid not in ids(search_notes(world.manager, "eviction"))
    assert iid not in ids(search_notes(world.worker, "eviction"))


def test_with_ai_off_search_is_by_keyword_only(world: World) -> None:
    update_organisation(world.admin, "Caseline", "Europe/London", ai_enabled=False)
    landlord = note(world.worker, world.case_worker, LANDLORD)
    asthma = note(world.worker, world.case_worker, ASTHMA)
    with session_scope() as db:  # nothing is embedded while AI is off
        assert db.execute(select(func.count()).select_from(NoteEmbedding)).scalar_one() == 0
    found = search_notes(world.worker, "eviction")
    assert not found.meaning_on and found.notice == search.MEANING_OFF and found.hits == []
    assert ids(search_notes(world.worker, "asthma")) == [asthma]
    assert search.index_notes(progress=False) == 0
    with pytest.raises(ValidationFailed):  # only common words: nothing to search by
        search_notes(world.worker, "about the")
    update_organisation(world.admin, "Caseline", "Europe/London", ai_enabled=True)
    assert ids(search_notes(world.worker, "eviction"))[0] == landlord  # caught up lazily


def test_snippets_are_plain_text(world: World) -> None:
    note(world.worker, world.case_worker,
         "**Eviction** <script>alert(1)</script> letter from the council.")
    hit = search_notes(world.manager, "eviction").hits[0]
    assert [p.text for p in hit.snippet if p.mark] == ["Eviction"]
    assert "**" not in "".join(p.text for p in hit.snippet)


def _run(state: object, query: str) -> list[object]:
    async def go() -> list[object]:
        return [x async for x in state.run_search({"query": query})]  # type: ignore[attr-defined]
    return asyncio.run(go())


def test_the_page_state_searches_as_the_signed_in_user(world: World,
                                                       notes: dict[str, int]) -> None:
    from state.search_page import SearchState
    from tests.test_states import _is_sign_in_redirect, _state

    south = _state(SearchState, "sol.south@example.org", "/search")
    assert south.load() is None
    _run(south, "eviction")
    assert south.searched and south.error == "" and south.query == "eviction"
    assert south.hits == []  # the worker's North case is not theirs to read
    worker = _state(SearchState, "wren.worker@example.org", "/search")
    _run(worker, "eviction")
    assert worker.hits[0].interaction_id == notes["landlord"]
    _run(worker, "   ")
    assert worker.error == "Type a word or phrase to search for" and not worker.searching
    assert worker.hits  # the last good results stay on screen
    nobody = _state(SearchState, None, "/search")
    assert _is_sign_in_redirect(nobody.load())
    assert any(_is_sign_in_redirect(x) for x in _run(nobody, "eviction"))
    assert nobody.hits == []


def test_setup_demo_leaves_every_demo_note_indexed(data_dir: object,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from caseapp.__main__ import main

    assert main(["setup", "--demo"]) == 0
    assert "Indexed" in capsys.readouterr().out
    with session_scope() as db:
        notes = db.execute(select(func.count()).select_from(Interaction)).scalar_one()
        embedded = db.execute(select(func.count()).select_from(NoteEmbedding)).scalar_one()
    assert notes > 100 and embedded == notes


# As tests/test_states.py does for every other state (the lead may move this entry into its
# HANDLERS at merge): each public handler, and that it resolves the actor before any data.
SEARCH_HANDLERS = {"load": "service", "run_search": "service"}


def test_every_search_page_handler_is_accounted_for() -> None:
    import inspect

    from state.search_page import SearchState

    own = {name for name in SearchState.event_handlers
           if name in SearchState.__dict__ and not name.startswith("_") and name != "setvar"}
    assert own == set(SEARCH_HANDLERS)
    for name in own:
        assert "self._actor()" in inspect.getsource(SearchState.event_handlers[name].fn)
    for var in ("query", "hits", "searched", "searching", "error", "notice", "user_id"):
        assert not hasattr(SearchState, f"set_{var}")  # setvar reaches none of them


def test_the_model_loads_from_the_package_with_no_network(
        monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import socket

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the search model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))  # no cache from an earlier download either
    embeddings._model.cache_clear()
    try:
        vectors = embeddings.embed(["eviction", "Landlord gave notice to leave", "football"])
    finally:
        embeddings._model.cache_clear()
    assert vectors.shape == (3, embeddings.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_clash_while_catching_up_does_not_stop_the_search(world: World, notes: dict[str, int],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import IntegrityError

    def clash(*_args: object, **_kwargs: object) -> int:  # another process indexed them first
        raise IntegrityError("INSERT INTO note_embedding", {}, Exception("UNIQUE constraint"))

    monkeypatch.setattr(embeddings, "catch_up", clash)
    assert ids(search_notes(world.manager, "eviction"))[0] == notes["landlord"]
