"""The offline geocoder: an in-memory index of every area's names, and the matcher that finds
which areas an address names and picks the most consistent tambon → amphoe → province chain.

Scoring, per candidate area (integers, so that ties are real ties):
  3  the area is named (−1 if only part of a longer run of text, −1 if matched with a typo,
     +1 if the word before it says its level: ต./อ./จ./Tambon…, −2 if it says another level)
  +2 its amphoe is named too, +2 its province is named too (by other words than its own)
  +2 the postcode is a tambon's own (+1 an amphoe's or province's); 0 a tambon's amphoe has it;
     −2 neither
  −2 another province is named and its own is not; −1 the same for amphoe
Below MIN_SCORE nothing is answered. Equal best scores are settled by what a name alone most
plausibly means (the larger unit: a province over its namesake tambon, a district over the tambon
of its name inside it or far away); places of the same size that stay tied are "ambiguous", and the
answer falls back to the smallest area they share (or none). Either way the other places come back
as alternatives to choose from, each with why it is offered (WHY).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from geocoding import aliases, areas, thai
from geocoding.thai import AMPHOE, PROVINCE, TAMBON

LEVELS = (TAMBON, AMPHOE, PROVINCE)
RANK = {TAMBON: 0, AMPHOE: 1, PROVINCE: 2}
MIN_SCORE = 3
MAX_SCORE = 10
MIN_LATIN_NAME = 4  # shorter English names ("Na", "Don", "Nan") count alone or after a marker
MIN_FUZZY = 5  # unscoped fuzzy matching needs at least this many letters
MIN_GLUED = 16  # romanised text run together this long may end in a province spelt otherwise
MAX_CANDIDATES = 12  # places offered beside an answer (all namesakes of a common name fit)

# Why a place is offered beside (or instead of) the answer.
WHY = {
    "namesake": "another place of the same name",
    "inside": "a smaller place of the same name inside the answer",
    "capital": "the province's capital district",
    "similar": "a name close to what was written",
    "partial": "less of the address agrees with it",
    "postcode": "has this postal code",
}


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    level: str
    name_th: str
    name_en: str
    postcodes: frozenset[str]
    lat: float | None
    lon: float | None
    point_level: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def amphoe_code(self) -> str | None:
        return self.code[:4] if self.level != PROVINCE else None

    def chain(self) -> dict[str, str | None]:
        return {
            TAMBON: self.code if self.level == TAMBON else None,
            AMPHOE: self.amphoe_code,
            PROVINCE: self.province_code,
        }


@dataclass(frozen=True, slots=True)
class Mention:
    chunk: int
    start: int
    end: int
    code: str
    level: str
    role: str | None  # what the address's words say this is
    whole: bool  # the name is the whole chunk (digits aside)
    fuzzy: bool

    def overlaps(self, other: "Mention") -> bool:
        return self.chunk == other.chunk and self.start < other.end and other.start < self.end


@dataclass
class Candidate:
    place: Place
    score: int
    mention: Mention | None = None
    why: str | None = None  # a key of WHY, when offered as an alternative


@dataclass
class Match:
    """The matcher's answer: the place (None when nothing or nothing unambiguous was found),
    its score, the alternatives, and why nothing was answered."""

    place: Place | None
    score: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    reason: str | None = None
    reason_code: str | None = None  # see geocoding.service.REASONS
    postcode: str | None = None
    postcode_places: list[Place] = field(default_factory=list)
    alternatives: list[Candidate] = field(default_factory=list)  # other places it may mean


def _fold_with_word_starts(text: str) -> tuple[str, set[int]]:
    """Fold a Latin chunk, remembering where each word starts and ends in the folded text."""
    folded, bounds = [], {0}
    for word in re.split(r"[\s,.;:/()\-'’]+", text.lower()):
        if word:
            folded.append(word)
            bounds.add(sum(map(len, folded)))
    return "".join(folded), bounds


class Gazetteer:
    def __init__(self, places):
        self.places: dict[str, Place] = {p.code: p for p in places}
        names = defaultdict(set)
        for place in self.places.values():
            for name in thai.thai_name_variants(place.name_th) | thai.english_name_variants(
                place.name_en
            ):
                if name:
                    names[name].add(place.code)
            if place.level == AMPHOE and thai.is_capital_district(place.code):
                for word in thai.CAPITAL_DISTRICT_WORDS:
                    names[thai.fold(word)].add(place.code)
        for alias, code, _source in aliases.ALIASES:
            if code in self.places:
                names[thai.fold(alias)].add(code)
        self.names = {name: tuple(sorted(codes)) for name, codes in names.items()}
        self.names_of = defaultdict(list)
        for name, codes in self.names.items():
            for code in codes:
                self.names_of[code].append(name)
        self.children = defaultdict(list)
        for place in self.places.values():
            if place.level != PROVINCE:
                self.children[place.code[: len(place.code) - 2]].append(place.code)
        # Only whole words can hide inside a name (names have no dots: "ต." cannot).
        markers = [w for w in thai.THAI_MARKER_WORDS if "." not in w]
        # "เขตบางรัก" needs no protecting: its marker is a real one, and "บางรัก" is a name too.
        self.protected_names = tuple(
            sorted(
                {
                    n
                    for n in self.names
                    if thai.is_thai(n)
                    and any(m in n for m in markers)
                    and not any(n.startswith(m) and n[len(m) :] in self.names for m in markers)
                },
                key=len,
                reverse=True,
            )
        )
        # Lengths of the names that start with each two letters: most positions start none.
        starts = defaultdict(set)
        for name in self.names:
            starts[name[:2]].add(len(name))
        self.lengths_from = {start: sorted(ls, reverse=True) for start, ls in starts.items()}
        self.by_postcode = defaultdict(list)
        for place in self.places.values():
            if place.level == TAMBON:
                for postcode in place.postcodes:
                    self.by_postcode[postcode].append(place)

    @classmethod
    def from_areas(cls) -> "Gazetteer":
        return cls(
            Place(
                row.code,
                row.level,
                row.name_th,
                row.name_en,
                frozenset(row.postcodes),
                row.point.y if row.point else None,
                row.point.x if row.point else None,
                row.point_level,
            )
            for row in areas.source().rows()
        )

    def __len__(self):
        return len(self.places)

    def parse(self, text: str) -> thai.ParsedAddress:
        parsed = thai.parse(text, self.protected_names)
        self._unglue_streets(parsed)
        return parsed

    # --- text run together ---------------------------------------------------------------------

    def chain_at_end(self, folded: str) -> list[tuple[int, int, str, list[str]]] | None:
        """Names run together at the end of the text (digits after them aside) that form one
        chain — a tambon, then its amphoe, then its province, any of them — starting as early
        as possible: [(start, end, name, codes that fit the chain)], or None.
        "ห้วยแก้วสุเทพเมืองเชียงใหม่เชียงใหม่50200" ends with สุเทพ · เมืองเชียงใหม่ · เชียงใหม่;
        ห้วยแก้ว (a tambon elsewhere) is no part of it."""
        end = len(folded.rstrip("0123456789"))
        for start in range(end):
            tiles = self._tiles(folded, start, end, None)
            if tiles:
                return tiles
        return None

    def _tiles(self, text, start, end, below):
        for length in self.lengths_from.get(text[start : start + 2], ()):
            stop = start + length
            codes = self.names.get(text[start:stop]) if stop <= end else None
            if not codes:
                continue
            fits = [
                c for c in codes if below is None or any(b.startswith(c) and b != c for b in below)
            ]
            if not fits:
                continue
            if stop == end:
                return [(start, stop, text[start:stop], fits)]
            rest = self._tiles(text, stop, end, fits)
            if rest:
                return [(start, stop, text[start:stop], fits), *rest]
        return None

    def _spelt_otherwise_before(self, text: str, codes: list[str]) -> list[tuple[int, int, str]]:
        """Names spelt otherwise than the gazetteer's ("Khlon Khlung" for Khlong Khlung, วังหงษ์
        for วังหงส์), run into the chain that follows them: walking back from the chain's
        smallest unit, the closest name of one of its children (or, under a province,
        grandchildren) that ends the text before it, at most one or two edits away.
        [(start, end, code)]."""
        found = []
        end = len(text)
        while codes and end >= 3:
            below = [k for c in codes for k in self.children.get(c, ())]
            below += [
                k for c in codes if len(c) == 2 for a in self.children[c] for k in self.children[a]
            ]
            closest = self._closest_ending(text[:end], below)
            if closest is None:
                break
            start, code = closest
            found.append((start, end, code))
            end, codes = start, [code]
        return found

    def _province_spelt_otherwise(self, folded: str) -> list[tuple[int, int, str, list[str]]]:
        """Romanised text run together whose province is spelt otherwise ("…samutprakarn"):
        the province closest to its end, as a chain of one."""
        end = len(folded.rstrip("0123456789"))
        provinces = [code for code in self.places if len(code) == 2]
        closest = self._closest_ending(folded[:end], provinces)
        if closest is None:
            return []
        start, code = closest
        return [(start, end, folded[start:end], [code])]

    def _closest_ending(self, text: str, codes: list[str]) -> tuple[int, str] | None:
        """(where it starts, code) of the name closest to the end of the text; of a district and
        tambons of its name, the district (walking back, its tambon may come next)."""
        best, best_key = [], None
        script = thai.is_thai(text)
        for code in codes:
            for name in self.names_of[code]:
                if thai.is_thai(name) != script or len(name) < MIN_LATIN_NAME:
                    continue
                edits = 1 if len(name) < 6 else 2
                for length in range(len(name) - edits, min(len(text), len(name) + edits) + 1):
                    distance = Levenshtein.distance(text[-length:], name, score_cutoff=edits)
                    if distance > edits:
                        continue
                    key = (distance, -length)
                    if best_key is None or key < best_key:
                        best, best_key = [(len(text) - length, code)], key
                    elif key == best_key:
                        best.append((len(text) - length, code))
        if not best:
            return None
        shortest = min(len(code) for _, code in best)
        largest = {found for found in best if len(found[1]) == shortest}  # spellings of one place
        return largest.pop() if len(largest) == 1 else None

    def _unglue_streets(self, parsed: thai.ParsedAddress) -> None:
        """A road, lane or village written straight into the tambon, amphoe and province
        ("ถ.มิตรภาพสุเทพเมืองเชียงใหม่…") ends where the chain of areas starts. A road named for
        where it leads ("ถ.บางนา-ตราด", "ถ.ธนบุรีปากท่อ แขวงบางมด") keeps its name: never split
        after a dash, and a single name only when what follows names nothing or its district or
        province."""
        chunks = []
        for position, chunk in enumerate(parsed.chunks):
            split = None
            if chunk.role in thai.NAMED_STREET_PARTS and thai.is_thai(chunk.text):
                folded, positions = thai.fold_with_positions(chunk.text)
                tiles = self.chain_at_end(folded)
                start = tiles[0][0] if tiles else 0
                if tiles:
                    spelt = self._spelt_otherwise_before(folded[:start], tiles[0][3])
                    start = min([start, *(found[0] for found in spelt)])
                    rest = [
                        c for c in parsed.chunks[position + 1 :] if c.role not in thai.STREET_PARTS
                    ]
                    if (
                        len(tiles) + len(spelt) < 2
                        and rest
                        and not self._inside_what_follows(tiles[0][3], rest)
                    ):
                        start = 0
                if start > 0 and chunk.text[positions[start] - 1] not in "-–":
                    split = positions[start]
            if split is None:
                chunks.append(chunk)
                continue
            street = thai.Chunk(chunk.text[:split].rstrip(" .,(-–"), chunk.role)
            chunks += [street, thai.Chunk(chunk.text[split:])]
            if getattr(parsed, chunk.role, None) == chunk.text:
                setattr(parsed, chunk.role, street.text)
        parsed.chunks = chunks

    def _inside_what_follows(self, codes: list[str], chunks: list[thai.Chunk]) -> bool:
        """Whether one of these places lies in an amphoe or province the chunks name."""
        named = {
            code
            for chunk in chunks
            for _, _, name in self._scan(thai.fold(chunk.text), None)
            for code in self.names[name]
        }
        return any(code[:4] in named or code[:2] in named for code in codes)

    @cached_property
    def _fuzzy_names(self) -> dict[str, list[str]]:
        by_level = defaultdict(list)
        for name, codes in self.names.items():
            if len(name) >= MIN_FUZZY:
                for level in {self.places[c].level for c in codes if c in self.places}:
                    by_level[level].append(name)
        by_level[None] = sorted(n for n in self.names if len(n) >= MIN_FUZZY)
        return by_level

    # --- finding names ---------------------------------------------------------------------------

    def _scan(self, folded: str, word_bounds: set[int] | None):
        """(start, end, name) of every known name in the folded chunk; for Latin text only
        whole words."""
        found = []
        for start in range(len(folded)):
            if word_bounds is not None and start not in word_bounds:
                continue
            for length in self.lengths_from.get(folded[start : start + 2], ()):
                end = start + length
                if end > len(folded):
                    continue
                name = folded[start:end]
                if name in self.names and (word_bounds is None or end in word_bounds):
                    found.append((start, end, name))
        # A name inside a longer name is part of it ("เชียงใหม่" in "เมืองเชียงใหม่").
        return [
            f
            for f in found
            if not any(
                o[0] <= f[0] and f[1] <= o[1] and (o[1] - o[0]) > (f[1] - f[0]) for o in found
            )
        ]

    def _fuzzy(self, text: str, role: str | None, scope: list[str] | None) -> list[str]:
        """Codes of the areas whose name is closest to the text, at most one edit away (two for
        long names), among the areas under what the address names (`scope`) if it names any,
        else among all areas of the level the address says (only for longer text)."""
        if scope:
            level = role if role in LEVELS else None
            choices = {
                n: c
                for c in scope
                if level in (None, self.places[c].level)
                for n in self.names_of[c]
            }
            max_edits = max(1, len(text) // 4)  # few names in scope: a quarter may differ
        elif len(text) >= MIN_FUZZY:
            choices = {n: None for n in self._fuzzy_names.get(role if role in LEVELS else None, [])}
            max_edits = 1
        else:
            return []
        hits = process.extract(
            text, list(choices), scorer=Levenshtein.distance, score_cutoff=max_edits, limit=20
        )
        best = min((distance for _, distance, _ in hits), default=None)
        names = [name for name, distance, _ in hits if distance == best]
        if scope:
            return sorted({choices[n] for n in names})
        return sorted({code for n in names for code in self.names[n] if code in self.places})

    def _scope(self, exact: list[Mention]) -> list[str]:
        """The areas under the amphoes, else the provinces, that the address names exactly."""
        amphoes = {m.code for m in exact if m.level == AMPHOE}
        provinces = {m.code for m in exact if m.level == PROVINCE}
        if amphoes:
            return [c for a in amphoes for c in self.children[a]]
        return [c for p in provinces for a in self.children[p] for c in (a, *self.children[a])]

    def mentions(self, parsed: thai.ParsedAddress) -> list[Mention]:
        exact, loose, glued = [], [], []  # loose: (chunk index, start, end, text, role, whole)
        for index, chunk in enumerate(parsed.area_chunks):
            latin = not thai.is_thai(chunk.text)
            if latin:
                folded, bounds = _fold_with_word_starts(chunk.text)
            else:
                folded, bounds = thai.fold(chunk.text), None
            letters = re.sub(r"\d", "", folded)
            found = self._scan(folded, bounds)
            chain = None
            if _uncovered(folded, found):
                # Names run together, or cells glued with their spaces ("SuthepMueang Chiang
                # MaiChiang Mai"): read the chain of areas at its end, word bounds aside.
                chain = self.chain_at_end(folded)
                if latin and not chain and len(letters) >= MIN_GLUED:
                    chain = self._province_spelt_otherwise(folded)
            codes_of = {}  # a chain's names mean only the places that fit it
            if chain:
                spelt = self._spelt_otherwise_before(folded[: chain[0][0]], chain[0][3])
                if latin:
                    found = [(start, end, name) for start, end, name, _ in chain]
                    codes_of = {(start, end): codes for start, end, _, codes in chain}
                else:  # the Thai scan found the chain; a name spelt otherwise hides short ones
                    found = [
                        f for f in found if not any(f[0] < e and s < f[1] for s, e, _ in spelt)
                    ]
                for start, end, code in spelt:
                    glued.append(
                        Mention(index, start, end, code, self.places[code].level, None, False, True)
                    )
            whole_found = False
            for start, end, name in found:
                whole = len(re.sub(r"\d", "", folded[start:end])) == len(letters)
                short = latin and end - start < MIN_LATIN_NAME
                if short and not whole and not chain and not (chunk.role and start == 0):
                    continue
                whole_found |= whole
                for code in codes_of.get((start, end)) or self.names[name]:
                    exact.append(
                        Mention(
                            index,
                            start,
                            end,
                            code,
                            self.places[code].level,
                            chunk.role if start == 0 else None,
                            whole,
                            name not in self.names,  # a province spelt otherwise
                        )
                    )
            if not whole_found and len(letters) >= 3:
                loose.append((index, 0, len(folded), letters, chunk.role, True))
            covered = [False] * len(folded)
            for start, end, *_ in [*found, *((m.start, m.end) for m in glued if m.chunk == index)]:
                covered[start:end] = [True] * (end - start)
            for start, end in _uncovered_runs(folded, covered):
                if (start, end) != (0, len(folded)) and end - start >= 3:
                    loose.append(
                        (
                            index,
                            start,
                            end,
                            folded[start:end],
                            chunk.role if start == 0 else None,
                            False,
                        )
                    )

        scope = self._scope(exact)
        if scope:
            # A whole chunk that names only places outside what the rest of the address names
            # ("Na Mueang, Mueang Nakhon Si Thammarat": a tambon Na Mueang elsewhere) may be a
            # misspelt name inside it ("Nai Mueang"): look there too.
            fits = set(scope) | {m.code for m in exact if m.level != TAMBON}
            for index, chunk in enumerate(parsed.area_chunks):
                named = [m for m in exact if m.chunk == index and m.whole]
                if named and not any(m.code in fits for m in named):
                    text = thai.fold(chunk.text)
                    loose.append((index, 0, len(text), re.sub(r"\d", "", text), chunk.role, True))
        fuzzy = []
        for index, start, end, text, role, whole in loose:
            for code in self._fuzzy(text, role, scope):
                fuzzy.append(
                    Mention(index, start, end, code, self.places[code].level, role, whole, True)
                )
        return exact + glued + fuzzy

    # --- choosing --------------------------------------------------------------------------

    def match(self, parsed: thai.ParsedAddress) -> Match:
        postcode = parsed.postcode if parsed.postcode in self.by_postcode else None
        postcode_places = self.by_postcode.get(postcode, [])
        mentions = self.mentions(parsed)
        named = defaultdict(list)
        for m in mentions:
            named[m.code].append(m)
        sure = {
            level: [m for m in mentions if m.level == level and not m.fuzzy] for level in LEVELS
        }

        best_by_code: dict[str, Candidate] = {}
        for m in mentions:
            place = self.places[m.code]
            score = 3 - (not m.whole) - m.fuzzy
            if m.role in LEVELS:
                score += 1 if m.role == place.level else -2
            chain = place.chain()
            for level, bonus, penalty in ((AMPHOE, 2, 1), (PROVINCE, 2, 2)):
                if level == place.level or chain[level] is None:
                    continue
                if any(not o.overlaps(m) for o in named.get(chain[level], [])):
                    score += bonus
                elif any(o.code != chain[level] and not o.overlaps(m) for o in sure[level]):
                    score -= penalty
            if postcode:
                score += self._postcode_agreement(place, postcode)
            if m.code not in best_by_code or score > best_by_code[m.code].score:
                best_by_code[m.code] = Candidate(place, score, m)

        ranked = sorted(
            best_by_code.values(), key=lambda c: (-c.score, RANK[c.place.level], c.place.code)
        )
        match = Match(
            None,
            candidates=ranked[:MAX_CANDIDATES],
            postcode=postcode,
            postcode_places=postcode_places,
        )
        if not ranked or ranked[0].score < MIN_SCORE:
            for candidate in match.candidates:
                candidate.why = self._why_tied(candidate, ranked[0].score)
            match.reason_code = "unknown" if not ranked else "unsure"
            match.reason = (
                "no Thai place name recognised" if not ranked else "too little agrees to be sure"
            )
            return match
        top = [c for c in ranked if c.score == ranked[0].score]
        # A tambon read from its own amphoe's name (ปากพนัง in "…ปากพนัง นครศรีธรรมราช") is that
        # name read again: another place as good is the better reading.
        echoes = [
            c
            for c in top
            if c.place.level == TAMBON
            and c.mention
            and any(o.overlaps(c.mention) for o in named.get(c.place.amphoe_code, []))
        ]
        contenders = [c for c in top if c not in echoes] if len(echoes) < len(top) else top
        match.score = ranked[0].score
        chosen, rivals = self._most_plausible(contenders)
        if chosen is not None:
            match.place = chosen
            match.alternatives = self._alternatives(chosen, top)
            return match
        shared = self._shared_area(c.place for c in rivals)
        names = ", ".join(sorted({c.place.name_th for c in rivals}))
        match.reason = f"ambiguous: {len(rivals)} places match ({names})"
        match.reason_code = "ambiguous"
        match.place = shared
        for candidate in match.candidates:
            candidate.why = self._why_tied(candidate, ranked[0].score)
        return match

    def _alternatives(self, chosen: Place, top: list[Candidate]) -> list[Candidate]:
        """The other places that fit as well (not those the answer lies in), for "did you mean
        …?": the answer's capital district first, then its namesake inside it, then namesakes
        elsewhere, larger units first."""
        offered = []
        for c in top:
            if chosen.code.startswith(c.place.code):
                continue
            inside = c.place.code.startswith(chosen.code)
            why = "inside" if inside else "similar" if c.mention and c.mention.fuzzy else "namesake"
            offered.append(Candidate(c.place, c.score, c.mention, why))
        capital = f"{chosen.code}01"
        if (
            thai.is_capital_district(capital)
            and capital in self.places
            and capital not in {c.place.code for c in offered}
        ):
            offered.append(Candidate(self.places[capital], 0, None, "capital"))
        order = {"capital": 0, "inside": 1, "namesake": 2, "similar": 3}
        offered.sort(key=lambda c: (order[c.why], -RANK[c.place.level], c.place.code))
        return offered[:MAX_CANDIDATES]

    @staticmethod
    def _why_tied(candidate: Candidate, best: int) -> str:
        if candidate.mention and candidate.mention.fuzzy:
            return "similar"
        return "namesake" if candidate.score == best else "partial"

    def _most_plausible(self, top: list[Candidate]) -> tuple[Place | None, list[Candidate]]:
        """Of candidates with the same score, the larger unit is what a name alone most plausibly
        means: a province over the tambon of its name (in it or elsewhere), a Bangkok khet over
        its แขวง of the same name and over a far tambon, a district over the tambon it is named
        after. Places nested in one another but named by different words agree, and the
        smallest says the most. Returns (the place, None) or (None, the rivals that stay
        tied)."""
        groups: list[list[Candidate]] = []
        for candidate in sorted(top, key=lambda c: len(c.place.code)):
            for group in groups:
                if candidate.place.code.startswith(group[0].place.code):
                    group.append(candidate)
                    break
            else:
                groups.append([candidate])
        best = max(RANK[g[0].place.level] for g in groups)
        leading = [g for g in groups if RANK[g[0].place.level] == best]
        if len(leading) > 1:
            return None, self._drop_ancestors(top)
        [group] = leading
        deepest = [c for c in group if len(c.place.code) == max(len(g.place.code) for g in group)]
        largest = group[0]
        # The smallest named by other words than the largest agree with it and say more; one
        # that is the largest's own name read again (ปากพนัง the tambon in อ.ปากพนัง) does not.
        apart = [c for c in deepest if not _same_words(c, largest)]
        if not apart:
            return largest.place, []  # one name for both: the larger unit
        if len(apart) == 1:
            return apart[0].place, []
        return self._shared_area(c.place for c in apart), []

    def _postcode_agreement(self, place: Place, postcode: str) -> int:
        """+2 the postcode is the tambon's (+1 the district's or province's: one of many it holds);
        0 it is not the tambon's but its amphoe's (a post office's round and the tambon line often
        differ); −2 it is from elsewhere."""
        if postcode in place.postcodes:
            return 2 if place.level == TAMBON else 1
        amphoe = self.places.get(place.amphoe_code or "")
        return 0 if place.level == TAMBON and amphoe and postcode in amphoe.postcodes else -2

    @staticmethod
    def _drop_ancestors(candidates: list[Candidate]) -> list[Candidate]:
        """Of an amphoe and a tambon in it with the same score, the tambon says more."""
        codes = {c.place.code for c in candidates}
        return [
            c
            for c in candidates
            if not any(o != c.place.code and o.startswith(c.place.code) for o in codes)
        ]

    def _shared_area(self, places) -> Place | None:
        codes = [p.code for p in places]
        for length in (4, 2):
            prefixes = {c[:length] for c in codes if len(c) >= length}
            if len(prefixes) == 1 and all(len(c) >= length for c in codes):
                return self.places.get(prefixes.pop())
        return None

    def postcode_point(self, places: list[Place]) -> tuple[float, float] | None:
        points = [(p.lat, p.lon) for p in places if p.lat is not None]
        if not points:
            return None
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _same_words(a: Candidate, b: Candidate) -> bool:
    return a.mention is None or b.mention is None or a.mention.overlaps(b.mention)


def _uncovered(folded: str, found) -> bool:
    """Whether letters of the text lie outside every name found."""
    covered = [False] * len(folded)
    for start, end, _ in found:
        covered[start:end] = [True] * (end - start)
    return any(not c and not ch.isdigit() for c, ch in zip(covered, folded, strict=True))


def _uncovered_runs(folded: str, covered: list[bool]):
    start = None
    for i, is_covered in enumerate([*covered, True]):
        letter = i < len(folded) and not folded[i].isdigit()
        if not is_covered and letter:
            start = i if start is None else start
        elif start is not None:
            yield start, i
            start = None
