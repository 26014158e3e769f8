"""Browser tests reuse the filled businesses of the API tests."""

from tests.api.conftest import filled, filled_template  # noqa: F401
