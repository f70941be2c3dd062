"""Every setting of the service (recommender.app.SETTINGS) is documented in the README, under its
name and its environment variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from recommender.app import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_readme_documents_each_setting(setting):
    text = README.read_text(encoding="utf-8")
    named, env_named = f"`{setting.name}`" in text, f"`{setting.env}`" in text
    assert named, f"README.md does not document the setting {setting.name}"
    assert env_named, f"README.md does not name the environment variable {setting.env}"


def test_every_setting_has_help_and_an_environment_variable():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for setting in SETTINGS:
        assert setting.help and setting.env.startswith("RECOMMENDER_")
