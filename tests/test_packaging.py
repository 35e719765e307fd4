"""`pip install .` ships the whole service: every package, template and translation.

Checked on the project's own setuptools configuration, expanded as a build would expand it
(the build itself needs the package index for its isolated environment)."""

from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import read_configuration

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # setuptools' "beta" notice


def setuptools_config() -> dict:
    return read_configuration(ROOT / "pyproject.toml", expand=True)["tool"]["setuptools"]


def test_every_python_package_is_installed():
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("interviews", "questionbank")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert {"questionbank.api", "questionbank.migrations", "questionbank.postgresql"} <= on_disk
    assert on_disk - set(setuptools_config()["packages"]) == set()


def test_every_template_and_translation_is_installed():
    base = ROOT / "questionbank"
    data = {
        path.relative_to(base).as_posix()
        for folder in ("templates", "locale")
        for path in (base / folder).rglob("*")
        if path.is_file()
    }
    shipped = {
        path.relative_to(base).as_posix()
        for pattern in setuptools_config()["package-data"]["questionbank"]
        for path in base.glob(pattern)
    }
    assert "templates/questionbank/kit_print.html" in data
    assert "locale/nl/LC_MESSAGES/django.mo" in data
    assert data - shipped == set()
