"""The Art. 26 decision engine (APPI 26条, 施行規則7〜10条; 68条 for public bodies; 番号法29条の4 for My Number data).

Pure: no Flask, no database. `parse_facts(dict) -> Facts` validates the input every entry point shares;
`assess(facts, as_of) -> Assessment` decides; `Assessment.to_dict()` gives JSON. Sources: SOURCES.md beside this file.
"""

from .assessment import Assessment, Party, assess
from .facts import Facts, FactsError, MyNumberFacts, OtherItem, Tier
from .reading import parse_facts

__all__ = ["Assessment", "Facts", "FactsError", "MyNumberFacts", "OtherItem", "Party", "Tier", "assess",
           "parse_facts"]
