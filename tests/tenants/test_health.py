import pytest
from django.test import override_settings


@pytest.mark.live
def test_healthz_all_up_with_a_worker(client_dinan, celery_worker_process):
    response = client_dinan.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "celery": "ok"},
    }


@pytest.mark.live
def test_healthz_answers_on_the_public_host_too(public_client, celery_worker_process):
    response = public_client.get("/healthz")
    assert response.status_code == 200, response.json()


def test_healthz_reports_503_when_redis_is_down(client_dinan):
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
        }
    }
    with override_settings(CACHES=dead):
        response = client_dinan.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"
