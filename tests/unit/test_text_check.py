"""One check for every name the registry stores (issue 13, point 19): what reaches e-mail subjects, .docx file
names and table cells may not hide control characters or reorder itself on screen."""

import pytest

from oversight.registry.validation import text_problem

REFUSED_IN_NAMES = [
    ("請求書\u202ecod.exe", "right-to-left override"),
    ("\u202aA\u202c", "left-to-right embedding"),
    ("\u2066名前\u2069", "left-to-right isolate"),
    ("名前\t株式会社", "tab"),
    ("二行\n株式会社", "line break"),
    ("名前\r", "carriage return"),
    ("名前\x85", "C1 control (next line)"),
    ("名前\x00", "NUL"),
    ("ゼロ\u200b幅", "zero-width space"),
    ("結合\u200d文字", "zero-width joiner"),
    ("\ufeff名前", "byte-order mark"),
    ("名前\u2028", "line separator"),
    ("名前\ud800", "lone surrogate"),
]


@pytest.mark.parametrize(("text", "what"), REFUSED_IN_NAMES, ids=[w for _, w in REFUSED_IN_NAMES])
def test_a_one_line_name_refuses(text, what):
    assert text_problem(text) is not None, what


@pytest.mark.parametrize("text", ["株式会社ひかり印刷", "Asteria Cloud Inc.", "A&B <Consulting>", "髙島屋・𠮷野家",
                                  "ｶﾌﾞｼｷｶﾞｲｼｬ", "O'Brien, Ltd.", "ＡＢＣ商事（株）"])
def test_ordinary_names_pass_and_angle_brackets_are_left_to_escaping(text):
    assert text_problem(text) is None


def test_notes_may_have_line_breaks_and_tabs_but_not_direction_overrides_or_controls():
    assert text_problem("一行目\n\t二行目", multiline=True) is None
    assert text_problem("一行目\u202e", multiline=True) is not None
    assert text_problem("一行目\x07", multiline=True) is not None
