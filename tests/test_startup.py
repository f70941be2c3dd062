"""Start-up: settings from config or the environment, and a clear refusal when there is no model."""
from __future__ import annotations

import subprocess
import sys

import pytest

from recommender.app import SettingError, create_app, load_settings
from recommender.holder import ModelUnavailable


def test_defaults_then_environment_then_config():
    env = {"RECOMMENDER_MODELS": "/srv/models", "RECOMMENDER_CACHE_MAX_AGE": "60", "RECOMMENDER_CORS_ORIGINS": "https://a.example, https://b.example"}
    settings = load_settings({"CACHE_MAX_AGE": 10}, env=env)
    assert str(settings["MODELS_DIR"]) == "/srv/models"
    assert settings["CACHE_MAX_AGE"] == 10
    assert settings["CORS_ORIGINS"] == ("https://a.example", "https://b.example")
    assert settings["MAX_CONTENT_LENGTH"] == 1024 * 1024 and settings["RELOAD_INTERVAL"] == 5.0
    assert load_settings({}, env={})["MODELS_DIR"] is None


@pytest.mark.parametrize("name,value", [("RELOAD_INTERVAL", "-1"), ("RELOAD_INTERVAL", "soon"), ("CACHE_MAX_AGE", "1.5"), ("MAX_CONTENT_LENGTH", "-5")])
def test_a_bad_setting_stops_start_up_naming_it(name, value):
    with pytest.raises(SettingError, match=name):
        load_settings({name: value}, env={})


@pytest.mark.parametrize("value, quoted", [
    ("news.example.com", "news.example.com"), ("https://news.example.com/politics", "https://news.example.com/politics"),
    ("https://a.example, cms", "cms"), ("file://", "file://"), ("https://a.example:abc", "https://a.example:abc"),
    ("https://user@a.example", "https://user@a.example"), ("https://a.example:99999", "https://a.example:99999"),
    ("https://a.example:0", "https://a.example:0"),
])
def test_a_cors_origin_a_browser_never_sends_stops_start_up(value, quoted):
    with pytest.raises(SettingError, match=f"RECOMMENDER_CORS_ORIGINS=.*'{quoted}' is not an origin: give scheme://host"):
        load_settings({}, env={"RECOMMENDER_CORS_ORIGINS": value})


def test_cors_origins_are_read_as_browsers_send_them():
    given = "*, http://localhost:3000/, HTTPS://News.Example.com, http://[::1]:8080, https://a.example:443, http://b.example:80, https://c.example:80"
    assert load_settings({}, env={"RECOMMENDER_CORS_ORIGINS": given})["CORS_ORIGINS"] == (
        "*", "http://localhost:3000", "https://news.example.com", "http://[::1]:8080", "https://a.example", "http://b.example",
        "https://c.example:80")


def test_the_models_folder_comes_from_the_environment(models_dir, monkeypatch, make_app):
    monkeypatch.setenv("RECOMMENDER_MODELS", str(models_dir))
    app = create_app()
    assert app.extensions["recommender.holder"].models_dir == models_dir


def test_no_models_folder_stops_start_up(monkeypatch):
    monkeypatch.delenv("RECOMMENDER_MODELS", raising=False)
    with pytest.raises(ModelUnavailable, match="RECOMMENDER_MODELS"):
        create_app()


def test_a_missing_folder_stops_start_up_naming_it(tmp_path):
    with pytest.raises(ModelUnavailable, match="nowhere: no such folder"):
        create_app({"MODELS_DIR": tmp_path / "nowhere"})


def test_a_file_given_as_the_models_folder_is_called_a_file(tmp_path):
    (tmp_path / "README.md").write_text("# not models\n")
    with pytest.raises(ModelUnavailable, match="README.md: a file, not a models folder"):
        create_app({"MODELS_DIR": tmp_path / "README.md"})


def test_an_empty_folder_stops_start_up(tmp_path):
    with pytest.raises(ModelUnavailable, match=f"{tmp_path}: no model here"):
        create_app({"MODELS_DIR": tmp_path})


def test_a_folder_of_versions_without_current_says_what_to_write(models_dir):
    version = (models_dir / "CURRENT").read_text().strip()
    (models_dir / "CURRENT").unlink()
    with pytest.raises(ModelUnavailable, match=f"no CURRENT pointer, though 1 version folder is here \\(the newest {version}\\): write"):
        create_app({"MODELS_DIR": models_dir})


def test_a_broken_model_stops_start_up_naming_the_file(models_dir):
    version = (models_dir / "CURRENT").read_text().strip()
    (models_dir / version / "idf.npy").unlink()
    with pytest.raises(ModelUnavailable, match=f"{version}: file idf.npy is missing"):
        create_app({"MODELS_DIR": models_dir})


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "recommender", *args], capture_output=True, text=True, timeout=60)


def test_the_cli_prints_one_error_line_and_exits_1(tmp_path):
    done = run_cli("--models", str(tmp_path / "nowhere"), "--port", "0")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_the_cli_says_when_it_cannot_listen(models_dir):
    done = run_cli("--models", str(models_dir), "--host", "256.1.1.1")
    assert done.returncode == 1 and done.stderr.startswith("error: cannot listen") and done.stderr.count("\n") == 1


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(models_dir, port):
    done = run_cli("--models", str(models_dir), "--port", port)
    assert done.returncode == 2 and "argument --port: expected a port number from 0 to 65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_service_runs_blas_on_one_thread(app):
    """A worker answers one request at a time; BLAS threads of the topic product would only contend."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)


def test_an_empty_models_option_is_a_usage_error_not_the_environments_folder(models_dir, monkeypatch, capsys):
    from recommender.__main__ import main

    monkeypatch.setenv("RECOMMENDER_MODELS", str(models_dir))  # an empty --models served this one
    with pytest.raises(SystemExit) as info:
        main(["--models", "", "--port", "0"])
    assert info.value.code == 2 and "expected a models folder, got an empty value" in capsys.readouterr().err


def test_the_start_line_gives_an_address_a_browser_takes():
    from recommender.__main__ import url

    assert url("127.0.0.1", 8000) == "http://127.0.0.1:8000/" and url("news.example", 80) == "http://news.example:80/"
    assert url("::1", 8000) == "http://[::1]:8000/" and url("::", 0) == "http://[::]:0/"  # http://::1:8000/ before
