"""The selection policy (pure): whether a direct entrustment may start without an approving selection review, read
from `selection_policy.yaml` through one checked loader. The app may point at another file with the setting
`SELECTION_POLICY_FILE`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

POLICY_FILE = Path(__file__).resolve().parent / "selection_policy.yaml"
ACTIVATION_CHOICES = ("with_override_reason", "forbidden")
KEYS = {"version", "activation_without_selection", "source"}


class SelectionPolicyError(ValueError):
    """The policy file is not usable: each problem names the field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SelectionPolicy:
    """What the policy file says."""

    version: str
    activation_without_selection: str
    source: str

    @property
    def forbids_activation(self) -> bool:
        return self.activation_without_selection == "forbidden"


def parse_policy(raw, file: str = "<policy>") -> SelectionPolicy:
    """The policy from its YAML data, or SelectionPolicyError naming every bad field."""
    if not isinstance(raw, dict):
        raise SelectionPolicyError([f"{file}: (file): expected a mapping of settings"])
    problems = [f"{file}: {key}: unknown setting" for key in sorted(set(raw) - KEYS, key=str)]
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(f"{file}: version: give the policy's version as text, e.g. \"2026.1\"")
    choice = raw.get("activation_without_selection")
    if choice not in ACTIVATION_CHOICES:
        problems.append(f"{file}: activation_without_selection: one of {', '.join(ACTIVATION_CHOICES)} "
                        f"(got {choice!r})")
    source = raw.get("source", "")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{file}: source: say why (the ground of the organisation's choice)")
    if problems:
        raise SelectionPolicyError(problems)
    return SelectionPolicy(version.strip(), choice, source.strip())


def load_policy(path: Path | str = POLICY_FILE) -> SelectionPolicy:
    """The policy from its YAML file (cached per path and modification time)."""
    path = Path(path).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise SelectionPolicyError([f"{path}: (file): cannot read it ({error.strerror})"]) from None
    return _load(path, stamp)


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: int) -> SelectionPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SelectionPolicyError([f"{path.name}: (file): not readable YAML ({error})"]) from None
    return parse_policy(raw, path.name)
