"""Real processes for the live tests and the benchmarks: Celery worker processes, and the
checkout's own PostgreSQL and Redis (infra/dev/services.sh, under .run/) stopped and started
again. It uses no pytest, so bench/ imports it as well (bench/bench_alert_faults.py).

Stopping these services touches nothing else on the machine: they are this checkout's."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG_DATA = ROOT / ".run" / "pgdata"
REDIS_DIR = ROOT / ".run" / "redis"


def wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def child_process_env(**extra: str) -> dict[str, str]:
    """The environment of a process the tests start (a worker, a web server): test settings on
    this process' database (the test database, whose name pytest-django chose)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        **extra,
    }


def spawn_celery_worker(
    name: str,
    log_path: Path,
    *,
    pool: tuple[str, ...] = ("-P", "solo"),
    queue: str | None = None,
    extra_env: dict[str, str] | None = None,
    own_process_group: bool = False,
) -> subprocess.Popen:
    """A real `celery worker` process (test settings) on this process' broker and database.
    Its output goes to `log_path` (the file is closed when the process is reaped by the caller:
    `proc.log`)."""
    env = child_process_env(**(extra_env or {}))
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        *pool,
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"{name}@%h",
    ]
    if queue:
        args += ["-Q", queue]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115  (owned by the process, closed by its owner)
    proc = subprocess.Popen(  # noqa: S603  (our own interpreter and fixed arguments)
        args,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_process_group,
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


class AlertWorkers:
    """`celery worker` processes consuming an alerts queue of their own and sending to a Twilio
    simulator, each in its own process group (so a SIGKILL takes the pool children with it, like
    a machine that dies). `env` is given to every worker: the Twilio account and any tuning of
    the alert settings (lease, concurrency, re-driver…); the rest are the project's defaults."""

    def __init__(self, queue: str, simulator_url: str, *, logs: Path, env: dict[str, str]):
        self.queue, self.simulator_url, self.logs, self.env = queue, simulator_url, logs, env
        self.procs: list[subprocess.Popen] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(
        self,
        name: str,
        concurrency: int = 2,
        visibility_timeout: int = 3600,
        *,
        beat: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        """`beat`: the worker also runs `celery beat` with only the alert re-driver scheduled
        (ALERTS_REDRIVE_SECONDS, on this queue)."""
        from django.conf import settings

        pool = ["-P", "prefork", "-c", str(concurrency), "--without-heartbeat"]
        env = dict(self.env)
        if beat:
            pool += ["-B", "-s", str(self.logs / f"{self.queue}-{name}-beat")]
            env["COMMUNE_TEST_BEAT_ONLY"] = "alerts-redrive"
        proc = spawn_celery_worker(
            f"{self.queue}-{name}",
            self.logs / f"{self.queue}-{name}.log",
            pool=tuple(pool),
            queue=self.queue,
            own_process_group=True,
            extra_env={
                "COMMUNE_TEST_SMS_BACKEND": "core.sms.TwilioBackend",
                "TWILIO_API_BASE_URL": self.simulator_url,
                "ALERTS_CELERY_QUEUE": self.queue,
                "ALERTS_BATCH_SIZE": str(settings.ALERTS_BATCH_SIZE),
                "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
                "COMMUNE_TEST_LIVE_CELERY": "1",
                **env,
                **(extra_env or {}),
            },
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            proc.log.close()  # type: ignore[attr-defined]


# --- the checkout's PostgreSQL and Redis --------------------------------------------------------


def pg_ctl(*args: str) -> None:
    binary = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))), None)
    command = [str(binary) if binary else shutil.which("pg_ctl") or "pg_ctl", "-D", str(PG_DATA)]
    owner = ["runuser", "-u", "postgres", "--"] if PG_DATA.stat().st_uid != 0 else []
    subprocess.run([*owner, *command, *args], check=True, capture_output=True, timeout=60)  # noqa: S603


def postgresql_restart(pause: float = 3) -> None:
    """`pg_ctl stop -m fast`, `pause` seconds down, start; then this process reconnects."""
    pg_ctl("-m", "fast", "-w", "stop")
    time.sleep(pause)
    pg_ctl("-l", str(PG_DATA / "server.log"), "-w", "start")
    reconnect()


def reconnect() -> None:
    """This process' connection died with the server: the next query opens a new one."""
    from django.db import connection

    connection.close()

    def ready() -> bool:
        try:
            connection.ensure_connection()
            return True
        except Exception:
            connection.close()
            return False

    wait(ready, 60, "PostgreSQL to accept connections")


def redis_port() -> int:
    from django.conf import settings

    return urlsplit(settings.CACHES["default"]["LOCATION"]).port or 6379


def redis_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        ["redis-cli", "-p", str(redis_port()), *args],  # noqa: S607
        capture_output=True,
        timeout=30,
        check=False,
    )


def redis_start() -> None:
    subprocess.run(  # noqa: S603
        [  # noqa: S607  (the same command as infra/dev/services.sh)
            "redis-server",
            "--port",
            str(redis_port()),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--appendonly",
            "yes",
            "--save",
            "",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
        ],
        check=True,
        timeout=30,
    )
    wait(lambda: redis_cli("ping").stdout.strip() == b"PONG", 20, "Redis to start")


def redis_restart(pause: float = 3) -> None:
    """SHUTDOWN (the append-only file is written), `pause` seconds down, started again."""
    redis_cli("shutdown")
    time.sleep(pause)
    redis_start()
