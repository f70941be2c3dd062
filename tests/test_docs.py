"""The README documents every model setting and every option of the training job."""
from __future__ import annotations

from pathlib import Path

import pytest

from recommender.model import PARAMETERS
from train.__main__ import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_model_setting_is_in_the_readme_table(name):
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("option", [a.option_strings[0] for a in build_parser()._actions if a.option_strings and a.dest not in PARAMETERS and a.dest != "help"])
def test_every_job_option_is_documented(option):
    assert f"`{option}" in README


def test_the_readme_starts_with_the_two_commands():
    head = README[:1200]
    assert "scripts/demo" in head and "scripts/test" in head
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_every_model_setting_has_a_job_option():
    from train.__main__ import PARSERS

    assert set(PARSERS) == set(PARAMETERS) - {"verbose"}


@pytest.mark.parametrize("module", ["train", "train.evaluate", "train.tuning", "recommender"])
def test_every_command_prints_its_help(module):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "usage:" in done.stdout and "Traceback" not in done.stderr, done.stderr[-500:]


def test_the_readme_shows_the_committed_tuning_run_and_its_choice_is_the_default():
    import json

    from train.tuning import table

    result = json.loads((Path(__file__).resolve().parents[1] / "reports" / "tuning.json").read_text())
    shown = table(result)
    assert shown in README
    chosen = result["text_settings"]
    defaults = {name: PARAMETERS[name][0] for name in chosen if name in PARAMETERS and name != "n_jobs"}
    assert {name: list(v) if isinstance(v, tuple) else v for name, v in defaults.items()} == \
        {name: chosen[name] for name in defaults}
    assert PARAMETERS["tag_weight"][0] == result["tag_weight"]
