"""oversight: vendor oversight and contract audit along the Japanese outsourcing chain (APPI)."""

from oversight.app import create_app

__all__ = ["create_app"]
