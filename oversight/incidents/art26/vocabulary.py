"""The engine's vocabularies, read once at import: causes (causes.yaml), the legal attributes of data items
(oversight/vocabulary/data_items.yaml), events, the nine report items (施行規則8条1項) and the five notice items
(施行規則10条).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from oversight.vocabulary import data_items as _data_item_entries
from oversight.vocabulary import read_yaml

CAUSES_FILE = Path(__file__).resolve().parent.parent / "vocabulary" / "causes.yaml"

EVENTS = ("leak", "loss", "damage")
EVENT_LABELS = MappingProxyType({
    "leak": ("漏えい", "Leak"),
    "loss": ("滅失", "Loss"),
    "damage": ("毀損", "Damage"),
})
CERTAINTY_LABELS = MappingProxyType({
    "occurred": ("発生", "Occurred"),
    "suspected": ("発生したおそれ", "Suspected"),
})

# 施行規則8条1項1号〜9号, in order.
REPORT_ITEMS = (
    ("overview", "概要", "Overview"),
    ("data_items", "漏えい等が発生し、又は発生したおそれがある個人データの項目", "Data items concerned"),
    ("persons", "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数", "Number of persons"),
    ("cause", "原因", "Cause"),
    ("secondary_damage", "二次被害又はそのおそれの有無及びその内容", "Secondary damage or its risk"),
    ("response_to_persons", "本人への対応の実施状況", "Response to the persons concerned"),
    ("publication", "公表の実施状況", "Publication"),
    ("prevention", "再発防止のための措置", "Measures to prevent recurrence"),
    ("other", "その他参考となる事項", "Other relevant matters"),
)
REPORT_ITEM_CODES = tuple(code for code, _ja, _en in REPORT_ITEMS)
REPORT_ITEM_NUMBER = MappingProxyType({code: n for n, code in enumerate(REPORT_ITEM_CODES, start=1)})

# 施行規則10条: the person notice carries 8条1項 1, 2, 4, 5 and 9号.
NOTICE_ITEM_CODES = ("overview", "data_items", "cause", "secondary_damage", "other")


@dataclass(frozen=True, slots=True)
class Example:
    ja: str
    source: str

    def to_dict(self) -> dict:
        return {"ja": self.ja, "source": self.source}


@dataclass(frozen=True, slots=True)
class Cause:
    code: str
    ja: str
    en: str
    events: frozenset[str]
    certainty: str
    malicious: bool
    about_to_acquire: bool = False
    public_exposure: bool = False
    event_example: Example | None = None
    malicious_example: Example | None = None
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True, slots=True)
class ItemLaw:
    """What the law makes of one data item: 要配慮 (法2条3項), 財産的被害 (施行規則7条2号), My Number."""

    code: str
    ja: str
    en: str
    sensitive: bool
    financial_alone: bool
    financial_with: frozenset[str]
    my_number: bool
    sensitive_example: Example | None
    financial_example: Example | None
    financial_negative: Example | None


def _example(raw) -> Example | None:
    return Example(raw["ja"], raw["source"]) if raw else None


def _load_causes() -> MappingProxyType:
    entries = read_yaml(CAUSES_FILE)
    causes = {}
    for e in entries:
        unknown = set(e.get("events") or ()) - set(EVENTS)
        if unknown or e.get("certainty", "occurred") not in CERTAINTY_LABELS:
            raise ValueError(f"causes.yaml: bad entry {e['code']}")
        causes[e["code"]] = Cause(
            code=e["code"], ja=e["ja"], en=e["en"], events=frozenset(e.get("events") or ()),
            certainty=e.get("certainty", "occurred"), malicious=bool(e.get("malicious")),
            about_to_acquire=bool(e.get("about_to_acquire")), public_exposure=bool(e.get("public_exposure")),
            event_example=_example(e.get("event_example")), malicious_example=_example(e.get("malicious_example")),
            note_ja=e.get("note_ja", ""), note_en=e.get("note_en", ""),
        )
    return MappingProxyType(causes)


def _load_items() -> MappingProxyType:
    items = {}
    for code, e in _data_item_entries().items():
        financial = e.get("financial")
        items[code] = ItemLaw(
            code=code, ja=e["ja"], en=e["en"], sensitive=bool(e.get("sensitive")),
            financial_alone=financial == "alone",
            financial_with=frozenset(financial.get("with", ())) if isinstance(financial, dict) else frozenset(),
            my_number=bool(e.get("my_number")),
            sensitive_example=_example(e.get("sensitive_example")),
            financial_example=_example(e.get("financial_example")),
            financial_negative=_example(e.get("financial_negative")),
        )
    return MappingProxyType(items)


CAUSES: MappingProxyType = _load_causes()
ITEMS: MappingProxyType = _load_items()
SENSITIVE_ITEMS = frozenset(code for code, item in ITEMS.items() if item.sensitive)
MY_NUMBER_ITEMS = frozenset(code for code, item in ITEMS.items() if item.my_number)
