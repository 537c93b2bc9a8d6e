"""Parameter values: text made safe for XML, and the typed value for a parameter from JSON or form input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from contracts import era
from contracts.assembly.specs import Bi, ParamSpec

MAX_ITEMS = 200

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")


def clean_text(value: str, *, single_line: bool = True) -> str:
    """NFC, without the characters XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/FFFF).

    A party name like "A&B <株式会社>\\x01" keeps its & and <> (the renderers escape them) and loses the
    control character, which would otherwise make the .docx unreadable.
    """
    value = XML_INVALID.sub("", unicodedata.normalize("NFC", value))
    if single_line:
        value = _LINE_BREAKS.sub(" ", value)
    return value.strip()


class InvalidValue(Exception):
    """What is wrong with a value, in English and Japanese."""

    def __init__(self, en: str, ja: str):
        super().__init__(en)
        self.en, self.ja = en, ja


_TRUE = {"1", "true", "yes", "y", "on", "はい", "有", "あり"}
_FALSE = {"0", "false", "no", "n", "off", "いいえ", "無", "なし", ""}


def _localised_str(spec: ParamSpec, value) -> str | Bi:
    if isinstance(value, Mapping):
        if not isinstance(value.get("ja"), str) or not isinstance(value.get("en"), str):
            raise InvalidValue("must be text, or an object with `ja` and `en` texts",
                           "文字列、又は ja と en の文字列を持つオブジェクトで指定してください")
        ja, en = clean_text(value["ja"]), clean_text(value["en"])
        if max(len(ja), len(en)) > spec.max_length:
            raise InvalidValue(f"must be at most {spec.max_length} characters",
                           f"{spec.max_length}文字以内で指定してください")
        return Bi(ja, en)
    if not isinstance(value, str):
        raise InvalidValue("must be text", "文字列で指定してください")
    text = clean_text(value)
    if len(text) > spec.max_length:
        raise InvalidValue(f"must be at most {spec.max_length} characters",
                           f"{spec.max_length}文字以内で指定してください")
    return text


def coerce_value(spec: ParamSpec, value):
    """A typed value for `spec` from JSON or form input (strings); `InvalidValue` says what is wrong."""
    kind = spec.type
    if kind == "int":
        if isinstance(value, bool):
            raise InvalidValue("must be a whole number", "整数で指定してください")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace("_", "")
            if not re.fullmatch(r"[+-]?\d{1,15}", text):
                raise InvalidValue("must be a whole number", "整数で指定してください")
            value = int(text)
        if not isinstance(value, int):
            raise InvalidValue("must be a whole number", "整数で指定してください")
        lo, hi = spec.minimum, spec.maximum
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            unit = f" {spec.unit.en}" if spec.unit else ""
            unit_ja = spec.unit.ja if spec.unit else ""
            raise InvalidValue(f"must be between {lo:,} and {hi:,}{unit} (was {value:,})",
                           f"{lo:,}{unit_ja}以上{hi:,}{unit_ja}以下で指定してください（指定値：{value:,}）")
        return value
    if kind == "str":
        return _localised_str(spec, value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidValue("must be true or false", "はい又はいいえで指定してください")
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            day = value
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(unicodedata.normalize("NFKC", value).strip().replace("/", "-"))
            except ValueError:
                raise InvalidValue("must be a date (YYYY-MM-DD)", "日付（YYYY-MM-DD）で指定してください") from None
        else:
            raise InvalidValue("must be a date (YYYY-MM-DD)", "日付（YYYY-MM-DD）で指定してください")
        if day < era.GREGORIAN_ADOPTED or day.year > 2999:
            raise InvalidValue("is out of range", "範囲外の日付です")
        return day
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            allowed = ", ".join(spec.choices)
            raise InvalidValue(f"must be one of: {allowed} (was {value!r})",
                           f"次のいずれかで指定してください：{allowed}（指定値：{value}）")
        return value
    if kind == "items":
        if isinstance(value, str):
            value = [v for v in re.split(r"[,、;\n]+", value)]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str | Mapping) for v in value):
            raise InvalidValue("must be a list of texts", "文字列のリストで指定してください")
        items = []
        for v in value:
            item = _localised_str(spec, v)
            if item:
                items.append(item)
        if len(items) > MAX_ITEMS:
            raise InvalidValue(f"at most {MAX_ITEMS} entries", f"{MAX_ITEMS}件以内で指定してください")
        return tuple(items)
    raise AssertionError(kind)  # pragma: no cover


def is_blank(value) -> bool:
    """True for a value not given (None, an empty text or list): the default applies."""
    return value is None or value == "" or value == [] or value == ()


def to_json_value(value):
    """Typed parameter value → JSON (dates as ISO strings, Bi as {ja, en})."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Bi):
        return {"ja": value.ja, "en": value.en}
    if isinstance(value, tuple | list):
        return [to_json_value(v) for v in value]
    return value
