"""Pseudonymisation: identifying details become stable placeholders before text leaves the
server for an outside AI endpoint, and are put back in the answer shown to the user.

Names are found three ways: names the caller knows (the person, their other contacts, staff),
words in a naming position ("her son Micah", "Mr Okafor"), and capitalised words that are not
ordinary words or known services. Erring towards hiding: a wrongly hidden word costs a little
answer quality; a leaked name cannot be taken back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s-]?){9,10}\d?(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.I)
_NHS = re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")
_NI = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)
_DATE = r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+ \d{4})"
_DOB = re.compile(rf"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*:?\s*({_DATE})", re.I)
_STREETS = (r"Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Terrace|Court|Ct|Way|Place|"
            r"Crescent|Grove|Gardens|Walk|Square|Row|Mews|Hill|View|Park|Parade|Rise|Green|"
            r"Vale|Fold|Croft|Gate|Mount|Bank|Yard")
_ADDRESS = re.compile(rf"\b(?:(?:Flat|Apartment|Unit|Room)\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?"
                      rf"\s+(?:[A-Z][\w'-]+\s+){{1,3}}(?:{_STREETS})\b\.?")
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+([A-Z][\w'’-]+)")
_RELATION = re.compile(
    r"\b(?:son|daughter|child|baby|mum|mom|mother|dad|father|stepdad|stepmum|partner|ex|"
    r"ex-partner|wife|husband|boyfriend|girlfriend|brother|sister|nephew|niece|uncle|aunt|"
    r"cousin|nan|nana|gran|granny|grandad|grandson|granddaughter|friend|neighbour|landlord|"
    r"carer|worker|officer|SW|IDVA|PO|called|named|is|was|to|with|and|from|told|asked|"
    r"tell|let|see|saw|met|visited|rang|phoned|emailed|by|for)\s+([A-Z][a-z][\w'’-]*)")
# Capitalised words that are not names: services, bodies, places people mean generically,
# days, months and the words that begin casework sentences.
_NOT_NAMES = set("""
I A An The This That These Those He She They We You It His Her Their Our My Your Its Mr Mrs Ms Dr
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Christmas Easter Eid Ramadan Diwali
Universal Credit UC PIP ESA JSA DWP HMRC NHS GP A&E CMHT IAPT MASH MARAC DASH IDVA ISVA NRM SW
Council Housing Options Citizens Advice Jobcentre Job Centre Home Office Police Probation Court
School College University Hospital Clinic Surgery Service Services Team Trust Foundation Bank
Food Shelter Samaritans Mind Shelter StepChange Cruse GamCare GAMSTOP Breathing Space DRO DMP
IVA CAB TRO TA B&B HMO UKVI BRP NI CAS3 YOT SENCo EHC EHCP CIN CP LADO ASC DN OT PO HMP
Section Notice Agreed Actions Action Plan Next Steps Review Summary Update Outcome Note Notes
Met Called Rang Spoke Visited Attended Discussed Explained Advised Agreed Left Sent Received
Referral Referred Appointment Home Visit Drop Meeting Phone Email Text Letter Client Customer
Yes No Not Also Today Tomorrow Yesterday Tonight Morning Afternoon Evening Week Month Year
English British Welsh Scottish Irish Polish Arabic Urdu Romanian Somali Kurdish Farsi Dari
Leeds Bradford Wakefield Huddersfield London Manchester Birmingham Liverpool Sheffield Cardiff
Glasgow Edinburgh Belfast Bristol Newcastle Nottingham Leicester UK England Wales Scotland
Safeguarding Mental Health Physical Domestic Abuse Risk Concern Concerns Private Session
Still Nothing After Before When While Then Now Once Because Although Though But And Or So If
""".split())
_WORD = re.compile(r"\b[A-Z][a-z][\w'’-]*\b")
# After a capitalised word at a sentence start, these say it is someone acting or speaking.
_PERSON_NEXT = re.compile(
    r"^(?:'s|’s|\s+(?:\(\d{1,3}\)\s+)?(?:told|said|says|rang|called|came|attended|has|had|is|was|"
    r"will|would|agreed|wants|wanted|asked|explained|disclosed|reported|denied|mentioned|"
    r"seemed|seems|looked|felt|feels|went|got|lives|lived|brought|showed|missed|did|does|"
    r"didn't|doesn't|isn't|wasn't|hasn't|can|can't|could|cannot|and|texted|emailed|arrived|"
    r"left|stayed|moved|started|stopped|admitted|confirmed|needs|needed|thinks|thought|knows|"
    r"wouldn't|won't|became|sounded|presented|returned|cried|spoke|gave|in|at|on|here|"
    r"back|very|really|now|ok|okay|[a-z]+ed|[a-z]{2,}ing))\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n\s*|[-*•]\s+|[:;]\s+|['\"“‘(]\s*)$")


class Pseudonymiser:
    """Consistent placeholders for one conversation: the same name is [PERSON_1] everywhere."""

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        self._forward: dict[str, str] = {}  # "PERSON:aisha" -> "[PERSON_1]"
        self._backward: dict[str, str] = {}  # "[PERSON_1]" -> "Aisha", as first written
        self._counts: dict[str, int] = {}
        self._known: set[str] = set()
        for name in known_names:
            for part in re.split(r"\s+", name.strip()):
                part = part.strip(".,'’")
                if len(part) > 1:
                    self._known.add(part)
            if name.strip():
                self._known.add(name.strip())

    def _placeholder(self, kind: str, value: str) -> str:
        key = f"{kind}:{value.lower()}"
        if key not in self._forward:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._forward[key] = f"[{kind}_{self._counts[kind]}]"
            self._backward[self._forward[key]] = value
        return self._forward[key]

    @functools.cached_property
    def _known_pattern(self) -> re.Pattern[str] | None:
        # One pass over the text for every known name (an organisation may have hundreds of
        # staff): longest first, so a full name wins over its parts at the same place.
        if not self._known:
            return None
        names = sorted(self._known, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")

    def _names_in(self, text: str) -> set[str]:
        names: set[str] = set()
        if self._known_pattern is not None:
            for match in self._known_pattern.finditer(text):
                names.add(match.group(0))
                # Its parts too, as a separate search for each would have found them.
                names.update(p for p in self._known if p in match.group(0) and p != match.group(0)
                             and re.search(rf"\b{re.escape(p)}\b", match.group(0)))
        names |= {m.group(1).rstrip("'’s") for m in _HONORIFIC.finditer(text)}
        for match in _RELATION.finditer(text):
            word = match.group(1).rstrip("’'").removesuffix("'s").removesuffix("’s")
            if word not in _NOT_NAMES:
                names.add(word)
        for match in _WORD.finditer(text):
            word = match.group(0).removesuffix("'s").removesuffix("’s")
            if word in _NOT_NAMES or word.upper() == word:
                continue
            at_start = _SENTENCE_START.search(text[: match.start()]) is not None
            possessive = match.group(0) != word
            if (not at_start or possessive or word in names
                    or _PERSON_NEXT.match(text[match.end():])):
                names.add(word)
        return {n for n in names if n and n not in _NOT_NAMES}

    def hide(self, text: str) -> str:
        """Replace identifying details with placeholders."""
        text = _EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)
        text = _DOB.sub(lambda m: m.group(0).replace(m.group(1), self._placeholder(
            "DATE_OF_BIRTH", m.group(1))), text)
        text = _NI.sub(lambda m: self._placeholder("NI_NUMBER", m.group(0)), text)
        text = _NHS.sub(lambda m: self._placeholder("NHS_NUMBER", m.group(0)), text)
        text = _PHONE.sub(lambda m: self._placeholder("PHONE", m.group(0).strip()), text)
        text = _ADDRESS.sub(lambda m: self._placeholder("ADDRESS", m.group(0)), text)
        text = _POSTCODE.sub(lambda m: self._placeholder("POSTCODE", m.group(0).upper()), text)
        # Longest names first, so "Aisha Rahman" becomes one placeholder, not two.
        for name in sorted(self._names_in(text), key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(name)}\b", self._placeholder("PERSON", name), text)
        return text

    def restore(self, text: str) -> str:
        """Put the real details back into an answer."""
        return re.sub(r"\[[A-Z_]+_\d+\]", lambda m: self._backward.get(m.group(0), m.group(0)),
                      text)
