"""The rules of APPI Art. 26 (and Art. 68 for public bodies, 番号法29条の4 for My Number data), one small pure
function per conclusion. Each returns findings (`Ground`) that carry their legal ground and, where the conclusion
came from one, the guideline or Q&A example. Sources and their quotations: SOURCES.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from .facts import Facts, OtherItem
from .vocabulary import CAUSES, ITEMS, Cause, Example

LEAK, LOSS, DAMAGE = "leak", "loss", "damage"
COMPANY_THRESHOLD = 1_000   # 施行規則7条4号: 「千人を超える」
PUBLIC_BODY_THRESHOLD = 100  # 施行規則43条4号: 「百人を超える」
MY_NUMBER_THRESHOLD = 100   # 特定個人情報漏えい等報告規則2条4号: 「百人を超える」
ABOUT_TO_ACQUIRE_FROM = date(2024, 4, 1)  # 令和5年個人情報保護委員会規則第5号 (7条3号かっこ書) 施行日
KINDS = ("company", "public_body")
# A public body's duty and the meaning of 漏えい・滅失・毀損 rest on 法68条1項, not on 法26条1項 (SOURCES.md).
PUBLIC_BODY_DUTY = "法68条1項"


@dataclass(frozen=True)
class Ground:
    """A conclusion's legal ground: a stable code, the article, Japanese and English labels, the example."""

    code: str
    article: str
    label_ja: str
    label_en: str
    example: Example | None = None

    def with_example(self, example: Example | None) -> Ground:
        return self if example is None or example == self.example else Ground(
            self.code, self.article, self.label_ja, self.label_en, example)

    def to_dict(self) -> dict:
        """A new JSON-ready dict each time: callers may change it freely."""
        return {"code": self.code, "article": self.article, "label_ja": self.label_ja, "label_en": self.label_en,
                "example": self.example.to_dict() if self.example is not None else None}


@dataclass(frozen=True)
class Note:
    """A remark the assessment adds for the reader: a stable code, Japanese and English."""

    code: str
    ja: str
    en: str

    def to_dict(self) -> dict:
        """A new JSON-ready dict each time."""
        return {"code": self.code, "ja": self.ja, "en": self.en}


# --- is it a leak / loss / damage at all (通則編3-5-1; for public bodies 法68条1項) ---------------------------

def for_kind(ground: Ground, public_body_article: str) -> dict[str, Ground]:
    """The ground as a company's (as written) and as a public body's (citing `public_body_article`)."""
    return {"company": ground, "public_body": replace(ground, article=public_body_article)}


RECOVERED_BEFORE_VIEWED = for_kind(Ground(
    "recovered_before_viewed", "通則編3-5-1-1",
    "第三者に閲覧されないうちに全てを回収したため、漏えいに該当しない",
    "Everything was recovered before any third party viewed it: not a leak",
    Example("個人データを第三者に閲覧されないうちに全てを回収した場合は、漏えいに該当しない。",
            "004 第2条1項なお書 (通則編3-5-1-1)")), PUBLIC_BODY_DUTY)
PROVIDED_INTENTIONALLY = for_kind(Ground(
    "provided_intentionally", "通則編3-5-1-1",
    "事業者が自らの意図に基づき提供したため、漏えいに該当しない",
    "The business provided it on purpose: not a leak",
    Example("個人情報取扱事業者が自らの意図に基づき個人データを第三者に提供する場合は、漏えいに該当しない。",
            "004 第2条1項なお書 (通則編3-5-1-1)")), PUBLIC_BODY_DUTY)
COPY_KEPT_LOSS = for_kind(Ground(
    "copy_kept_elsewhere_loss", "通則編3-5-1-2",
    "同じデータが他に保管されているため、滅失に該当しない",
    "The same data is kept elsewhere: not a loss",
    Example("その内容と同じデータが他に保管されている場合は、滅失に該当しない。",
            "004 第2条2項なお書 (通則編3-5-1-2)")), PUBLIC_BODY_DUTY)
DELETED_FOR_REASON = for_kind(Ground(
    "deleted_for_reasonable_reason", "通則編3-5-1-2",
    "合理的な理由により削除したため、滅失に該当しない",
    "Deleted on purpose for a reasonable reason (such as the retention rules): not a loss",
    Example("個人情報取扱事業者が合理的な理由により個人データ／特定個人情報を削除する場合は、滅失に該当しない。",
            "004 第2条2項なお書 (通則編3-5-1-2)")), PUBLIC_BODY_DUTY)
COPY_KEPT_DAMAGE = for_kind(Ground(
    "copy_kept_elsewhere_damage", "通則編3-5-1-3",
    "同じデータが他に保管されているため、毀損に該当しない",
    "The same data is kept elsewhere: not damage",
    Example("その内容と同じデータが他に保管されている場合は毀損に該当しない。",
            "004 第2条3項なお書 (通則編3-5-1-3)")), PUBLIC_BODY_DUTY)
NO_EVENT = for_kind(Ground(
    "no_event", "法26条1項",
    "漏えい・滅失・毀損（又はそのおそれ）に当たる事実がない",
    "No leak, loss or damage (or suspicion of one) is indicated"), PUBLIC_BODY_DUTY)


def events_of(facts: Facts, cause: Cause | None) -> frozenset[str]:
    """The events given, or else those the cause implies (通則編3-5-1-1〜3-5-1-3 examples, causes.yaml)."""
    if facts.events:
        return facts.events
    return cause.events if cause is not None else frozenset()


def event_exclusions(facts: Facts, events: frozenset[str], kind: str) -> tuple[frozenset[str], tuple[Ground, ...]]:
    """Drop what the guideline says is not a leak, loss or damage, and say why (通則編3-5-1-1〜3-5-1-3; 004
    第2条: recovered unseen, provided on purpose, a copy kept elsewhere, deleted for a reasonable reason)."""
    reasons = []
    remaining = set(events)
    if LEAK in remaining and facts.recovered_before_viewed:
        remaining.discard(LEAK)
        reasons.append(RECOVERED_BEFORE_VIEWED[kind])
    if LEAK in remaining and facts.provided_intentionally:
        remaining.discard(LEAK)
        reasons.append(PROVIDED_INTENTIONALLY[kind])
    if LOSS in remaining and facts.same_data_kept_elsewhere:
        remaining.discard(LOSS)
        reasons.append(COPY_KEPT_LOSS[kind])
    if LOSS in remaining and facts.deleted_for_reasonable_reason:
        remaining.discard(LOSS)
        reasons.append(DELETED_FOR_REASON[kind])
    if DAMAGE in remaining and facts.same_data_kept_elsewhere:
        remaining.discard(DAMAGE)
        reasons.append(COPY_KEPT_DAMAGE[kind])
    return frozenset(remaining), tuple(reasons)


def no_event_reason(cause: Cause | None, kind: str) -> Ground:
    """Why nothing is an incident when no event is given or implied (malware blocked: PPC Q&A via 002)."""
    if cause is not None and cause.malicious_example is not None and not cause.events:
        return NO_EVENT[kind].with_example(cause.malicious_example)
    return NO_EVENT[kind]


# --- reportable situations: personal data (施行規則7条 / 行政機関等は43条) -------------------------------------

def _rule(kind: str, number: int) -> str:
    return f"施行規則{43 if kind == 'public_body' else 7}条{number}号"


_SENSITIVE = ("sensitive", "要配慮個人情報が含まれる", "Includes sensitive personal information (要配慮個人情報)")
_FINANCIAL = ("financial", "不正に利用されることにより財産的被害が生じるおそれがある",
              "Risk of financial damage through misuse")
_MALICIOUS = ("malicious", "不正の目的をもって行われたおそれがある", "Possibly done with a malicious purpose")
_THRESHOLD = {
    "company": ("over_threshold", "本人の数が千人を超える", "More than 1,000 persons"),
    "public_body": ("over_threshold", "本人の数が百人を超える", "More than 100 persons"),
}


def _ground(kind: str, number: int, spec: tuple[str, str, str], example: Example | None = None) -> Ground:
    code, ja, en = spec
    return Ground(code, _rule(kind, number), ja, en, example)


GROUNDS = {
    (kind, key): _ground(kind, number, spec)
    for kind in KINDS
    for key, number, spec in (("sensitive", 1, _SENSITIVE), ("financial", 2, _FINANCIAL),
                              ("malicious", 3, _MALICIOUS), ("over_threshold", 4, _THRESHOLD[kind]))
}


SENSITIVE_ITEMS = frozenset(code for code, item in ITEMS.items() if item.sensitive)
FINANCIAL_ITEMS = frozenset(code for code, item in ITEMS.items() if item.financial_alone or item.financial_with)
NEGATIVE_ITEMS = frozenset(code for code, item in ITEMS.items() if item.financial_negative)
_SENSITIVE_BY_ITEM = {(kind, code): GROUNDS[kind, "sensitive"].with_example(ITEMS[code].sensitive_example)
                      for kind in KINDS for code in SENSITIVE_ITEMS}
_FINANCIAL_BY_ITEM = {(kind, code): GROUNDS[kind, "financial"].with_example(ITEMS[code].financial_example)
                      for kind in KINDS for code in FINANCIAL_ITEMS}
_MALICIOUS_BY_CAUSE = {(kind, code): GROUNDS[kind, "malicious"].with_example(cause.malicious_example)
                       for kind in KINDS for code, cause in CAUSES.items() if cause.malicious}


USERS_REASON = "利用者の判断（その他の項目）"  # the source shown with a reason the user gave for an other item


def _users_reason(item: OtherItem) -> Example:
    return Example(f"{item.name}: {item.reason}", USERS_REASON)


def sensitive_ground(items: frozenset[str], kind: str, others: tuple[OtherItem, ...] = ()) -> Ground | None:
    """施行規則7条1号 (43条1号): sensitive personal information (要配慮個人情報, 法2条3項) among the items, or an
    other item the user flagged as sensitive, with the user's reason as the example."""
    found = items & SENSITIVE_ITEMS
    if found:
        return _SENSITIVE_BY_ITEM[kind, min(found)]
    flagged = [item for item in others if item.sensitive]
    return GROUNDS[kind, "sensitive"].with_example(_users_reason(flagged[0])) if flagged else None


def financial_ground(items: frozenset[str], kind: str, others: tuple[OtherItem, ...] = ()) -> Ground | None:
    """施行規則7条2号 (43条2号): an item that can cause financial damage alone (card number, payment login),
    or only together with another (bank account + net-banking password) — PPC Q&A via 002; or an other item the
    user flagged as such, with the user's reason as the example."""
    for code in sorted(items & FINANCIAL_ITEMS):
        item = ITEMS[code]
        if item.financial_alone or item.financial_with & items:
            return _FINANCIAL_BY_ITEM[kind, code]
    flagged = [item for item in others if item.financial]
    return GROUNDS[kind, "financial"].with_example(_users_reason(flagged[0])) if flagged else None


def financial_negatives(items: frozenset[str]) -> tuple[Example, ...]:
    """The Q&A's "not 7条2号 alone" examples that match the items (address, bank account alone, card last 4 …)."""
    seen = []
    for code in sorted(items & NEGATIVE_ITEMS):
        negative = ITEMS[code].financial_negative
        if negative not in seen:
            seen.append(negative)
    return tuple(seen)


def malicious_ground(cause: Cause | None, kind: str, reference_day: date) -> Ground | None:
    """施行規則7条3号 (43条3号): possibly done with a malicious purpose (不正の目的), including since 2024-04-01
    information the business is about to acquire (令和5年規則第5号; PPC Q&A A6-10)."""
    if cause is None or not cause.malicious:
        return None
    if cause.about_to_acquire and reference_day < ABOUT_TO_ACQUIRE_FROM:
        return None
    return _MALICIOUS_BY_CAUSE[kind, cause.code]


def threshold_ground(max_persons: int | None, kind: str) -> Ground | None:
    """施行規則7条4号: more than 1,000 persons (43条4号, public bodies: more than 100), counted at the maximum
    possible number; exactly 1,000 is not more than 1,000 (通則編3-5-3-1 via 002)."""
    limit = PUBLIC_BODY_THRESHOLD if kind == "public_body" else COMPANY_THRESHOLD
    if max_persons is not None and max_persons > limit:
        return GROUNDS[kind, "over_threshold"]
    return None


def personal_data_grounds(facts: Facts, cause: Cause | None, kind: str, reference_day: date) -> tuple[Ground, ...]:
    """Every Rule 7 (Rule 43) ground that applies. Information not yet acquired is reportable only under
    item 3: items 1, 2 and 4 speak of 個人データ, and only item 3 carries the かっこ書 (施行規則7条)."""
    if cause is not None and cause.about_to_acquire:
        found = (None, None, malicious_ground(cause, kind, reference_day), None)
    else:
        items, others = facts.data_items, facts.other_items
        found = (sensitive_ground(items, kind, others), financial_ground(items, kind, others),
                 malicious_ground(cause, kind, reference_day), threshold_ground(facts.max_persons, kind))
    return tuple(g for g in found if g is not None)


ENCRYPTION_EXCEPTION = for_kind(Ground(
    "high_grade_encryption", "施行規則7条1号かっこ書（43条1号、番号法規則2条1号も同じ）",
    "高度な暗号化その他の個人の権利利益を保護するために必要な措置を講じたものは報告対象事態から除かれる",
    "Data protected by high-grade encryption or an equivalent measure is excluded from the reportable situations",
    Example("ただし、高度な暗号化その他の個人の権利利益を保護するために必要な措置を講じているものはこの限りでない。",
            "004 第3条ただし書")), "施行規則43条1号かっこ書（番号法規則2条1号も同じ）")


# --- reportable situations: My Number data (特定個人情報漏えい等報告規則2条) -----------------------------------

_MN = "番号法規則2条"
MN_DESIGNATED_SYSTEM = Ground(
    "mn_designated_system", f"{_MN}1号",
    "情報提供ネットワークシステム等において管理される特定個人情報の漏えい等",
    "Leak etc. of My Number data held in the Information Provision Network System or a My Number system")
MN_MALICIOUS_LEAK = Ground(
    "mn_malicious_leak", f"{_MN}2号イ", "不正の目的をもって行われたおそれがある特定個人情報の漏えい等",
    "Leak etc. of My Number data possibly done with a malicious purpose",
    Example("不正アクセスによって特定個人情報を漏えいした場合", "004 第3条2号(1)イ"))
MN_MALICIOUS_USE = Ground(
    "mn_malicious_use", f"{_MN}2号ロ", "不正の目的をもって特定個人情報が利用され、又は利用されたおそれがある",
    "My Number data used (or possibly used) with a malicious purpose",
    Example("業務に関係なく、マイナンバーを利用し、住所等を検索・取得した場合", "004 第3条2号(1)ロ"))
MN_MALICIOUS_PROVISION = Ground(
    "mn_malicious_provision", f"{_MN}2号ハ", "不正の目的をもって特定個人情報が提供され、又は提供されたおそれがある",
    "My Number data provided (or possibly provided) with a malicious purpose",
    Example("従業者が特定個人情報を不正に持ち出して第三者に提供した場合", "004 第3条2号(1)ハ"))
MN_PUBLIC_EXPOSURE = Ground(
    "mn_public_exposure", f"{_MN}3号",
    "電磁的方法により不特定多数の者に閲覧され、又は閲覧されるおそれがある",
    "Exposed (or possibly exposed) electronically to an unspecified number of people",
    Example("誤ってインターネット上に特定個人情報を掲載した場合や情報システムに保存した特定個人情報が事業者の外部から容易に"
            "アクセス可能な状態になっていた場合", "PPC 番号法Q&A A17-10; 004 第3条2号(2)"))
MN_OVER_100_LEAK = Ground(
    "mn_over_100_leak", f"{_MN}4号イ",
    "漏えい等が発生し、又は発生したおそれがある特定個人情報に係る本人の数が百人を超える",
    "More than 100 persons' My Number data leaked, lost or damaged",
    Example("第三者に誤送付・誤送信した特定個人情報に係る本人の数が100人を超える場合", "004 第3条2号(3)イ"))
MN_OVER_100_ART9 = Ground(
    "mn_over_100_art9", f"{_MN}4号ロ",
    "番号法9条に反して利用された個人番号を含む特定個人情報に係る本人の数が百人を超える",
    "My Number used against Art. 9 of the My Number Act for more than 100 persons",
    Example("個人番号利用事務と関係のない顧客管理のためのIDとして利用していたマイナンバーの数が100人を超える場合",
            "004 第3条2号(3)ロ"))
MN_OVER_100_ART19 = Ground(
    "mn_over_100_art19", f"{_MN}4号ハ", "番号法19条に反して提供された特定個人情報に係る本人の数が百人を超える",
    "My Number data provided against Art. 19 of the My Number Act for more than 100 persons",
    Example("マイナンバー部分にマスキング処理することを失念して、特定個人情報を取り扱わない委託事業者等に提供した特定個人情報に"
            "係る本人の数が100人を超える場合", "004 第3条2号(3)ハ"))
MN_MALICIOUS_CODES = frozenset({"mn_malicious_leak", "mn_malicious_use", "mn_malicious_provision"})


def my_number_grounds(facts: Facts, cause: Cause | None, events: frozenset[str]) -> tuple[Ground, ...]:
    """特定個人情報漏えい等報告規則2条1号〜4号 (番号法29条の4第1項), each with the 004 example."""
    mn = facts.my_number
    over_100 = facts.max_persons is not None and facts.max_persons > MY_NUMBER_THRESHOLD
    found = []
    if events and mn.designated_system:
        found.append(MN_DESIGNATED_SYSTEM)
    if events and cause is not None and cause.malicious:
        found.append(MN_MALICIOUS_LEAK)
    if mn.malicious_use:
        found.append(MN_MALICIOUS_USE)
    if mn.malicious_provision:
        found.append(MN_MALICIOUS_PROVISION)
    exposure = mn.public_exposure if mn.public_exposure is not None else (cause is not None and cause.public_exposure)
    if exposure and LEAK in events:
        found.append(MN_PUBLIC_EXPOSURE)
    if over_100 and events:
        found.append(MN_OVER_100_LEAK)
    if over_100 and mn.used_against_art9:
        found.append(MN_OVER_100_ART9)
    if over_100 and mn.provided_against_art19:
        found.append(MN_OVER_100_ART19)
    return tuple(found)


def my_number_incident(facts: Facts) -> bool:
    """番号法規則2条2号ロ・ハ, 4号ロ・ハ: use or provision is an incident even with nothing leaked."""
    mn = facts.my_number
    return facts.data_kind == "my_number" and (
        mn.malicious_use or mn.malicious_provision or mn.used_against_art9 or mn.provided_against_art19)


# --- certainty (通則編3-5-3-1: おそれ) ----------------------------------------------------------------------

CERTAINTY_GROUNDS = {
    ("occurred", "company"): Ground("occurred", "法26条1項; 施行規則7条", "漏えい等が発生した事態",
                                    "Leak etc. occurred"),
    ("occurred", "public_body"): Ground("occurred", "法68条1項; 施行規則43条", "漏えい等が発生した事態",
                                        "Leak etc. occurred"),
    ("suspected", "company"): Ground(
        "suspected", "施行規則7条各号「発生したおそれ」; 通則編3-5-3-1", "漏えい等が発生したおそれがある事態",
        "Leak etc. suspected: the duty already arises",
        Example("その時点で判明している事実関係からして、漏えい等が疑われるものの漏えい等が生じた確証がない場合",
                "002 報告対象事態-1 (通則編)")),
    ("suspected", "public_body"): Ground(
        "suspected", "法68条1項; 施行規則43条各号「発生したおそれ」", "漏えい等が発生したおそれがある事態",
        "Leak etc. suspected: the duty already arises",
        Example("その時点で判明している事実関係からして、漏えい等が疑われるものの漏えい等が生じた確証がない場合",
                "002 報告対象事態-1 (通則編)")),
}


# --- deadlines' length (施行規則8条2項, 44条2項, 番号法規則3条2項) --------------------------------------------

def final_report_period(grounds: Iterable[Ground], kind: str) -> tuple[int, str]:
    """Days for the final report and the provision that sets them: 60 for Rule 7 (43) item 3 or a My Number
    malicious case (番号法規則2条2号), else 30 (施行規則8条2項). When the APPI and the My Number reports both
    apply with different periods, the shorter binds first."""
    appi = mn = 0
    for g in grounds:
        if g.code.startswith("mn_"):
            mn = 60 if g.code in MN_MALICIOUS_CODES or mn == 60 else 30
        else:
            appi = 60 if g.code == "malicious" or appi == 60 else 30
    days = min(d for d in (appi, mn) if d) if appi or mn else 30
    binding = (appi == days, mn == days)
    return days, _basis(days, kind, *binding)


def _basis(days: int, kind: str, appi: bool, mn: bool) -> str:
    articles = []
    if appi or not mn:
        articles.append("施行規則44条2項" if kind == "public_body" else "施行規則8条2項")
    if mn:
        articles.append("番号法規則3条2項")
    which = ""
    if days == 60:
        rule = "施行規則43条3号" if kind == "public_body" else "施行規則7条3号"
        which = "・".join(([rule] if appi else []) + (["番号法規則2条2号"] if mn else []))
        which = f"（{which}: 不正の目的）"
    return (f"{'・'.join(articles)}: 知った日から{days}日以内{which}; "
            "民法140条（初日不算入）; 行政機関の休日に関する法律2条")
