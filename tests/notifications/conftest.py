"""The API's clients (tests/api/conftest.py) for the stories here that file or decide through the API."""

from tests.api.conftest import api_as  # noqa: F401
