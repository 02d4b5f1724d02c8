import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "production-like-secret-value-1234567890!",
        ALLOWED_HOSTS=".commune.example",
        PUBLIC_HOST="commune.example",
        **extra,
    )
    return env


def test_check_deploy_is_clean_under_production_settings():
    env = _production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_static_files_build_under_production_settings(tmp_path):
    """The Dockerfile's collectstatic step: the manifest storage fails on any file a stylesheet
    or script names that is missing (Leaflet's images, its source map). Whitenoise's
    compression of the same files is left out: a minute of CPU that checks nothing of ours."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_production_env(
            STATIC_ROOT=str(tmp_path),
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        ),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("civic/vendor/leaflet-1.9.4/images/layers.*.png"))


def test_production_settings_need_a_secret_key_from_the_environment():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_a_web_worker_loads_its_urlconfs_then_freezes_them_out_of_the_collector():
    """config/wsgi.py: what every request needs is loaded at start (views, translations), then
    frozen, so a full garbage collection in a worker walks only what requests create, not the
    141,000 objects of Django and the apps (a 140-200 ms pause per worker under load)."""
    code = (
        "import gc, sys, config.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects(generation=2)), "
        "'community.group_buys.api' in sys.modules)"
    )
    result = subprocess.run(  # noqa: S603  (our own code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    frozen, still_tracked, views_loaded = result.stdout.split()
    assert int(frozen) > 100_000
    assert int(still_tracked) < 1_000
    assert views_loaded == "True"
