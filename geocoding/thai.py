"""Everything particular to how Thai addresses are written: digits, the words that introduce each
part (and their abbreviations), Bangkok's many spellings, romanisation variants. The matcher in
`geocoding.gazetteer` knows nothing of Thai beyond what this module gives it.
"""

import re
import unicodedata
from dataclasses import dataclass, field

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

TAMBON, AMPHOE, PROVINCE = "tambon", "amphoe", "province"
HOUSE, MOO, SOI, ROAD, VILLAGE, COUNTRY = "house", "moo", "soi", "road", "village", "country"
KEEP_ROLE = "keep"  # a word that says nothing itself: the value after it keeps the role before it
# Parts that name a street, lane, village or house: their words are never read as areas.
STREET_PARTS = {HOUSE, MOO, SOI, ROAD, VILLAGE}
# Street parts with a name (not a number), which may run straight into the area names.
NAMED_STREET_PARTS = {SOI, ROAD, VILLAGE}

# Words before a value, Thai. Longest first so that "อำเภอ" is not read as "อ." + "ำเภอ".
_THAI_PREFIXES = [
    ("บ้านเลขที่", HOUSE),
    ("เลขที่", HOUSE),
    ("หมู่บ้าน", VILLAGE),
    ("มบ.", VILLAGE),
    ("หมู่ที่", MOO),
    ("หมู่", MOO),
    ("ม.", MOO),
    ("ซอย", SOI),
    ("ซ.", SOI),
    ("ถนน", ROAD),
    ("ถ.", ROAD),
    ("ตำบล", TAMBON),
    ("ต.", TAMBON),
    ("แขวง", TAMBON),
    ("กิ่งอำเภอ", AMPHOE),
    ("อำเภอ", AMPHOE),
    ("อ.", AMPHOE),
    ("เขต", AMPHOE),
    ("จังหวัด", PROVINCE),
    ("จ.", PROVINCE),
    ("รหัสไปรษณีย์", None),
    ("ประเทศไทย", COUNTRY),
    ("ประเทศ", None),
    # A municipality's name is its tambon's: "ตำบลเทศบาลบางปู" is tambon บางปู.
    ("เทศบาลนคร", KEEP_ROLE),
    ("เทศบาลเมือง", KEEP_ROLE),
    ("เทศบาลตำบล", KEEP_ROLE),
    ("เทศบาล", KEEP_ROLE),
]
THAI_MARKER_WORDS = [word for word, _ in _THAI_PREFIXES]
# English words before a value ("Tambon Suthep", "Moo 5") and after it ("Suthep Subdistrict").
_ENGLISH_PREFIXES = [
    (r"tambon|tambol|t\.", TAMBON),
    (r"khwaeng|kwaeng", TAMBON),
    (r"king\s+amphoe|amphoe|amphur|amphor|a\.", AMPHOE),
    (r"khet", AMPHOE),
    (r"changwat|ch\.", PROVINCE),
    (r"moo|m\.", MOO),
    (r"soi", SOI),
    (r"thanon|th\.", ROAD),
]
_ENGLISH_SUFFIXES = [
    (r"sub-?\s?district", TAMBON),
    (r"district", AMPHOE),
    (r"province", PROVINCE),
    (r"road|rd\.?|street|st\.", ROAD),
    (r"alley|lane", SOI),
    (r"village", VILLAGE),
]
_THAI_CHAR = re.compile(r"[\u0e00-\u0e7f]")
_NUMBER_THEN_NAME = re.compile(r"^(\d[\d/\-]*)([^\d/\-].*)$")
POSTCODE = re.compile(r"(?<!\d)([1-9]\d{4})(?!\d)")
_COORDINATES = re.compile(
    r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*°?\s*([NS])?\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*°?\s*([EW])?\s*$",
    re.I,
)

# Ways English names of capital districts are written ("Mueang X", "Muang X", "Amphoe Mueang").
MUEANG_VARIANTS = ["mueang", "muang", "meuang", "mu'ang"]
# What "เมือง" alone names: a province's capital district (its first, code PP01), except in
# Bangkok, whose districts are เขต and none of them the "เมือง".
CAPITAL_DISTRICT_WORDS = ["เมือง", *MUEANG_VARIANTS]


def is_capital_district(code: str) -> bool:
    return len(code) == 4 and code.endswith("01") and not code.startswith("10")


_FOLD_DROP = re.compile(r"[\s.,'’‘\"()\-/ฯ:;]+")


# Bangkok's abbreviations end in what would read as the "ม." of หมู่: spell them out first.
_BANGKOK_SHORT = re.compile(r"กทม\.?|กรุงเทพฯ")


def clean(text: str) -> str:
    """One Unicode form, Arabic digits, Bangkok spelt out, single spaces."""
    text = unicodedata.normalize("NFC", text or "").translate(THAI_DIGITS)
    text = _BANGKOK_SHORT.sub(" กรุงเทพมหานคร ", text)
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """The form names are compared in: lower case, without spaces and punctuation."""
    return _FOLD_DROP.sub("", text.lower())


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """fold(text), and for each of its letters the position in text it came from (plus one past
    the end)."""
    folded, positions = [], []
    for position, char in enumerate(text):
        kept = fold(char)
        folded.append(kept)
        positions += [position] * len(kept)
    return "".join(folded), [*positions, len(text)]


def is_thai(text: str) -> bool:
    return bool(_THAI_CHAR.search(text))


def thai_name_variants(name_th: str) -> set[str]:
    """A Thai area name and the forms people write it in (without "เขต"/"อำเภอ" words)."""
    names = {name_th}
    for prefix in ("เขต", "อำเภอ", "ตำบล", "แขวง", "จังหวัด"):
        if name_th.startswith(prefix) and len(name_th) > len(prefix) + 1:
            names.add(name_th[len(prefix) :])
    return {fold(n) for n in names}


def english_name_variants(name_en: str) -> set[str]:
    names = {fold(name_en)}
    lowered = name_en.lower()
    for variant in MUEANG_VARIANTS:
        if lowered.startswith("mueang "):
            names.add(fold(variant + lowered[len("mueang") :]))
    return names


def place_label(names: dict[str, tuple[str, str]], language: str) -> str:
    """How a place is written for people: {level: (name_th, name_en)} of its tambon, amphoe and
    province → "ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่", Bangkok's "แขวงบางรัก เขตบางรัก
    กรุงเทพมหานคร", or "Suthep, Mueang Chiang Mai, Chiang Mai"."""
    if language != "th":
        return ", ".join(names[level][1] for level in (TAMBON, AMPHOE, PROVINCE) if level in names)
    province = names.get(PROVINCE, ("", ""))[0]
    bangkok = province == "กรุงเทพมหานคร"
    parts = []
    if TAMBON in names:
        parts.append(("แขวง" if bangkok else "ต.") + names[TAMBON][0])
    if AMPHOE in names:
        amphoe = names[AMPHOE][0]
        parts.append(amphoe if amphoe.startswith(("เขต", "อำเภอ")) else "อ." + amphoe)
    if province:
        parts.append(province if bangkok else "จ." + province)
    return " ".join(parts)


def postcode_label(postcode: str, area: str, language: str) -> str:
    """ "รหัสไปรษณีย์ 50200 อ.เมืองเชียงใหม่ จ.เชียงใหม่" / "postcode 50200, Mueang Chiang Mai, …"."""
    if language == "th":
        return f"รหัสไปรษณีย์ {postcode} {area}".strip()
    return f"postcode {postcode}, {area}" if area else f"postcode {postcode}"


@dataclass
class Chunk:
    """A run of the address that names one thing: its text, and what the words around it say
    it is (tambon, amphoe, province, road…, or None when nothing says)."""

    text: str
    role: str | None = None


@dataclass
class ParsedAddress:
    text: str
    chunks: list[Chunk] = field(default_factory=list)
    postcode: str | None = None
    house: str | None = None
    moo: str | None = None
    soi: str | None = None
    road: str | None = None
    says_thailand: bool = False

    @property
    def area_chunks(self) -> list[Chunk]:
        return [c for c in self.chunks if c.role not in STREET_PARTS and c.role != COUNTRY]


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """ "18.79, 98.98", "18.79N 98.98E" → (lat, lon) as written (range checks are the caller's)."""
    match = _COORDINATES.match(text)
    if not match:
        return None
    lat, ns, lon, ew = match.groups()
    lat, lon = float(lat), float(lon)
    if (ns or "").upper() == "S":
        lat = -lat
    if (ew or "").upper() == "W":
        lon = -lon
    return lat, lon


def _thai_splitter():
    words = "|".join(re.escape(w) for w, _ in sorted(_THAI_PREFIXES, key=lambda p: -len(p[0])))
    return re.compile(rf"({words})")


_THAI_SPLIT = _thai_splitter()
_THAI_ROLE = dict(_THAI_PREFIXES)
_EN_MARKERS = [(p, role, False) for p, role in _ENGLISH_PREFIXES] + [
    (p, role, True) for p, role in _ENGLISH_SUFFIXES
]
_EN_SPLIT = re.compile(
    "|".join(rf"(?P<m{i}>(?<![\w.])(?:{p})(?![\w]))" for i, (p, _, _) in enumerate(_EN_MARKERS)),
    re.I,
)


def _english_chunks(part: str) -> list[Chunk]:
    """Split at marker words: a prefix word names the next value, a suffix word the one before."""
    chunks, role, position = [], None, 0
    for match in _EN_SPLIT.finditer(part):
        text = part[position : match.start()].strip()
        if text:
            chunks.append(Chunk(text, role))
            role = None
        _, marker_role, is_suffix = _EN_MARKERS[int(match.lastgroup[1:])]
        if is_suffix and text and chunks[-1].role is None:
            chunks[-1].role = marker_role
        else:
            role = marker_role
        position = match.end()
    text = part[position:].strip()
    if text:
        chunks.append(Chunk(text, role))
    return chunks


def _thai_chunks(part: str, protected: dict[str, str]) -> list[Chunk]:
    """Split Thai text at the words that introduce parts; a value runs to the next such word
    or space. Moo and house numbers take only their number."""
    chunks, role = [], None
    for piece in _THAI_SPLIT.split(part):
        if not piece:
            continue
        if piece in _THAI_ROLE:
            if _THAI_ROLE[piece] == KEEP_ROLE:
                continue
            role = _THAI_ROLE[piece]
            if role == COUNTRY:
                chunks.append(Chunk("ไทย", COUNTRY))
                role = None
            continue
        words = piece.strip().split(" ")
        # "ม." not followed by a number is not หมู่ (ม.เชียงใหม่ is a university).
        if role == MOO and not re.match(r"\d", words[0]):
            role = None
        words = [_unmask(w, protected) for w in words]
        first, rest = words[0], words[1:]
        # "หมู่5สุเทพ…": a moo or house number takes only its number; the rest is read on.
        glued = _NUMBER_THEN_NAME.match(first) if role in (MOO, HOUSE) else None
        if glued:
            first, rest = glued[1], [glued[2], *rest]
        if role in (SOI, ROAD, VILLAGE) and rest and re.match(r"\d", rest[0]) is not None:
            first, rest = f"{first} {rest[0]}", rest[1:]
        if first:
            chunks.append(Chunk(first, role))
        chunks += [Chunk(w) for w in rest if w]
        role = None
    return chunks


def _mask(text: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Hide names that contain a marker word ("หัวถนน", "คลองนครเนื่องเขต") from the splitter."""
    protected = {}
    for name in names:
        if name in text:
            token = f"\ue000{len(protected)}\ue001"
            protected[token] = name
            text = text.replace(name, token)
    return text, protected


def _unmask(text: str, protected: dict[str, str]) -> str:
    for token, name in protected.items():
        text = text.replace(token, name)
    return text


def parse(text: str, protected_names: tuple[str, ...] = ()) -> ParsedAddress:
    """Break an address into chunks with their roles, and pick out the postcode and street parts.
    `protected_names` are names that contain marker words, longest first."""
    text = clean(text)
    parsed = ParsedAddress(text=text)
    postcodes = POSTCODE.findall(text)
    if postcodes:
        parsed.postcode = postcodes[-1]
    for part in re.split(r"[,\n;]+", text):
        part = part.strip()
        if not part:
            continue
        if is_thai(part):
            masked, protected = _mask(part, protected_names)
            parsed.chunks += _thai_chunks(masked, protected)
        else:
            parsed.chunks += _english_chunks(part)
    for chunk in parsed.chunks:
        if chunk.role in STREET_PARTS and getattr(parsed, chunk.role, "x") is None:
            setattr(parsed, chunk.role, chunk.text)
        if chunk.role == COUNTRY or fold(chunk.text) in ("thailand", "ประเทศไทย", "ไทย"):
            parsed.says_thailand = True
    return parsed
