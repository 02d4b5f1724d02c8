from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django_tenants.utils import tenant_context


def test_media_behind_nginx_is_handed_over_with_x_accel_redirect(client_dinan, dinan):
    with tenant_context(dinan):
        name = default_storage.save("branding/x.txt", ContentFile(b"x"))
        url = default_storage.url(name)
    try:
        with override_settings(MEDIA_X_ACCEL_PREFIX="/protected-media"):
            response = client_dinan.get(url)
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/protected-media/dinan/{name}"
    finally:
        with tenant_context(dinan):
            default_storage.delete(name)


def test_client_address_is_read_from_our_proxy_only(rf):
    from core.http import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"
    with override_settings(TRUSTED_PROXIES=1):
        assert client_ip(request) == "1.2.3.4"
