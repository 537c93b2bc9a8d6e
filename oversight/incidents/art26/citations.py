"""The fixed conclusions the assessment states — duties, exemptions, deadline bases, notice texts and notes —
each with the article it rests on, for a company (個人情報取扱事業者: 法26条, 施行規則7〜10条) and for a public
body (行政機関等: 法68条, 施行規則43〜45条). Sources and what could not be read: SOURCES.md.
"""

from __future__ import annotations

from .rules import Ground, Note
from .vocabulary import Example

QUICK_BASIS = {
    "company": "施行規則8条1項「速やかに」; 通則編3-5-3-3「概ね3～5日以内」（目安）",
    "public_body": "施行規則44条1項「速やかに」（目安は通則編3-5-3-3の概ね3～5日以内に倣う）",
}
# A contractor's notice to its consignor (法26条1項ただし書) is due "promptly" too; the guideline gives the same
# target counted from when the contractor learned.
CONSIGNOR_NOTICE_BASIS = {
    False: "法26条1項ただし書; 施行規則9条「速やかに」; 通則編3-5-3-5「概ね3～5日以内」（目安）",
    True: "番号法29条の4第1項ただし書; 番号法規則4条「速やかに」（目安は通則編3-5-3-5の概ね3～5日以内に倣う）",
}

OWN_DUTY = {
    "company": Ground("own_duty", "法26条1項本文", "報告対象事態が生じた個人データを取り扱う事業者として報告する",
                      "Handles the data concerned: must report"),
    "public_body": Ground("own_duty", "法68条1項", "行政機関の長等として報告する", "Public body: must report"),
    "my_number": Ground("own_duty", "番号法29条の4第1項本文", "個人番号利用事務等実施者として報告する",
                        "Handles the My Number data concerned: must report"),
}
CONTRACTOR_DUTY = Ground(
    "contractor_duty", "法26条1項本文; 通則編3-5-3-2",
    "委託先で発生した場合は委託元・委託先の双方が報告義務を負う（連名での報告も可。委託元への通知により免除）",
    "When it happens at a contractor both consignor and contractor must report (jointly if they wish); notifying "
    "the consignor exempts the contractor",
    Example("委託先で報告対象事態が発生したら、原則として、委託元・委託先の双方が報告義務を負う",
            "002 委託の場合の報告"))
EXEMPT = {
    False: Ground(
        "proviso_exempt", "法26条1項ただし書; 26条2項かっこ書; 施行規則9条",
        "委託元に通知したため、報告義務及び本人への通知義務を免除される",
        "Notified its consignor: exempt from the report and from the person notice",
        Example("委託先が、委託元に対し、その時点で把握している報告事項を通知したときは、委託先は報告義務を免除される",
                "002 委託元への通知による例外（法26①但書）")),
    True: Ground(
        "proviso_exempt", "番号法29条の4第1項ただし書; 同条2項かっこ書; 番号法規則4条",
        "委託元に通知したため、報告義務及び本人への通知義務を免除される",
        "Notified its consignor: exempt from the report and from the person notice"),
}
NOT_INVOLVED = Ground(
    "not_involved", "PPC Q&A (002)", "委託元側で発生した事態について、委託先は報告義務を負わない",
    "It happened above this tier: this contractor owes nothing",
    Example("委託元で報告対象事態が発生した場合は、委託先は報告義務を負わない", "002 委託の場合の報告 (Q&A)"))
NOT_AN_INCIDENT = {
    "company": Ground("not_an_incident", "法26条1項", "漏えい等に当たらない", "Not a leak, loss or damage"),
    "public_body": Ground("not_an_incident", "法68条1項", "漏えい等に当たらない", "Not a leak, loss or damage"),
}
NOT_REPORTABLE = {
    (kind, my_number): Ground(
        "not_reportable",
        ("施行規則43条" if kind == "public_body" else "施行規則7条") + ("; 番号法規則2条" if my_number else ""),
        "報告対象事態に当たらない", "Not a reportable situation")
    for kind in ("company", "public_body") for my_number in (False, True)
}

NOTICE_GROUND = {
    "company": "法26条2項; 施行規則10条",
    "public_body": "法68条2項; 施行規則45条",
    "my_number": "番号法29条の4第2項; 番号法規則5条",
    "my_number+company": "番号法29条の4第2項; 番号法規則5条; 法26条2項; 施行規則10条",
    "my_number+public_body": "番号法29条の4第2項; 番号法規則5条; 法68条2項; 施行規則45条",
}
NOTICE_TIMING = {
    "company": "当該事態の状況に応じて速やかに (施行規則10条)",
    "public_body": "当該事態の状況に応じて速やかに (法68条2項; 施行規則45条)",
}
ALTERNATIVE_GROUND = {
    "company": "法26条2項ただし書; 通則編3-5-4-5",
    "public_body": "法68条2項ただし書",
}
DESTINATION_GROUND = {"company": "法26条1項", "public_body": "法68条1項", "my_number": "番号法29条の4第1項"}

_RULE = {"company": "施行規則7条", "public_body": "施行規則43条"}
_RULE_EN = {"company": "Rule 7", "public_body": "Rule 43"}
_LIMIT = {"company": ("1,000", "1,000"), "public_body": ("100", "100")}


def _by_kind(make) -> dict[str, Note]:
    return {kind: make(kind) for kind in ("company", "public_body")}


NOTES_BY_KIND = {
    "persons_unknown": _by_kind(lambda kind: Note(
        "persons_unknown",
        f"本人の数が不明。確定できない場合も最大数で判断する（最大{_LIMIT[kind][0]}人超なら{_RULE[kind]}4号）。",
        f"The number of persons is unknown; judge on the largest possible number (more than {_LIMIT[kind][1]} is "
        f"{_RULE_EN[kind]} item 4).")),
    "about_to_acquire_before_2024": _by_kind(lambda kind: Note(
        "about_to_acquire_before_2024",
        f"取得前の情報（スキミング等）を{_RULE[kind]}3号の対象とする改正は令和6年4月1日施行。それ以前の事態には及ばない。",
        f"Information about to be acquired (skimming) is covered by {_RULE_EN[kind]} item 3 only from 1 April "
        "2024.")),
    "about_to_acquire_only_item_3": _by_kind(lambda kind: Note(
        "about_to_acquire_only_item_3",
        f"取得しようとしている個人情報は{_RULE[kind]}3号（不正の目的）の対象。1号・2号・4号は"
        f"{'保有個人情報' if kind == 'public_body' else '個人データ'}に限られる。",
        f"Information about to be acquired counts under {_RULE_EN[kind]} item 3 only; items 1, 2 and 4 concern "
        f"{'retained personal information' if kind == 'public_body' else 'personal data'}.")),
    "person_notice_timing": {
        "company": Note("person_notice_timing", "本人への通知は「当該事態の状況に応じて速やかに」（施行規則10条）。",
                        "Notify persons \"promptly according to the situation\" (Rule 10)."),
        "public_body": Note("person_notice_timing",
                            "本人への通知は当該事態の状況に応じて速やかに行う（法68条2項; 施行規則45条）。",
                            "Notify persons promptly according to the situation (Art. 68(2); Rule 45)."),
    },
}
NOTES = {
    "encryption_key": Note(
        "encryption_key", "暗号化の例外に依る前に、復元に必要な鍵が併せて漏えいしていないか確認する。",
        "Before relying on the encryption exception, check that the decryption key did not leak as well."),
    "not_yet_informed": Note(
        "not_yet_informed", "この当事者はまだ事態を知らされていない。期限は知った時点から起算する。",
        "This party has not been told yet; its deadlines start when it knows."),
    "notify_consignor": Note(
        "notify_consignor",
        "委託先は、把握している報告事項を委託元に速やかに通知すれば、報告・本人通知を免除される（施行規則9条）。",
        "A contractor that promptly notifies its consignor of what it knows is exempt (施行規則9条)."),
    "public_body_destination": Note(
        "public_body_destination", "行政機関等の報告先は個人情報保護委員会（法68条1項）。",
        "Public bodies report to the PPC (Art. 68(1))."),
    "appi_report_to_authority": Note(
        "appi_report_to_authority",
        "特定個人情報の報告は個人情報保護委員会へ。個人情報保護法26条の報告は権限委任先へも行う。",
        "The My Number report goes to the PPC; the APPI Art. 26 report goes to the delegated authority."),
    "assessed_before_known": Note(
        "assessed_before_known", "評価時点が知った時点より前になっている。",
        "The assessment date is before the moment of knowing."),
}
