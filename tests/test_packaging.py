"""Our generic top-level names must resolve to this checkout, not to something in site-packages."""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["api", "models", "qr", "traceability"])
def test_package_comes_from_this_repository(name):
    module = importlib.import_module(name)

    assert Path(module.__file__).resolve().is_relative_to(ROOT)
