"""Shared helpers of the contract tests."""

from __future__ import annotations


def base_request(**changes) -> dict:
    """A valid full-contract request with the parameters a test usually needs."""
    params = {"consignor_name": "さくら商事株式会社", "contractor_name": "株式会社東都システム",
              "consignor_address": "東京都千代田区丸の内一丁目1番1号",
              "contractor_address": "大阪府大阪市北区梅田二丁目2番2号",
              "service_description": "顧客管理システムの運用保守", "data_items": ["name", "address", "email"],
              "person_count": 12000}
    params.update(changes.pop("params", {}))
    return {"template": "full", "params": params, **changes}
