from tests.conftest import PASSWORD


def test_token_then_me_with_roles_and_council(client_dinan, agent):
    response = client_dinan.post(
        "/api/v1/auth/token/",
        {"email": agent.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client_dinan.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == agent.email
    assert body["roles"] == ["agent"]
    assert body["council"]["slug"] == "dinan"


def test_token_refuses_wrong_password_and_is_throttled(client_dinan, resident):
    for _attempt in range(5):
        response = client_dinan.post(
            "/api/v1/auth/token/",
            {"email": resident.email, "password": "x"},
            content_type="application/json",
        )
        assert response.status_code == 400 and "detail" in response.json()
    response = client_dinan.post(
        "/api/v1/auth/token/",
        {"email": resident.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429


def test_token_request_validation_is_explained(client_dinan):
    response = client_dinan.post(
        "/api/v1/auth/token/", {"email": "not-an-email"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_token_of_one_council_is_refused_at_another(client_dinan, client_saint_malo, resident):
    token = client_dinan.post(
        "/api/v1/auth/token/",
        {"email": resident.email, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    assert (
        client_saint_malo.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    )


def test_me_needs_authentication(client_dinan):
    assert client_dinan.get("/api/v1/me/").status_code in (401, 403)


def test_session_authentication_works_for_the_api(client_dinan, resident):
    client_dinan.login_as(resident)
    assert client_dinan.get("/api/v1/me/").json()["roles"] == []


def test_openapi_schema_and_docs_served_locally(client_dinan):
    schema = client_dinan.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token/" in paths and "/api/v1/me/" in paths
    docs = client_dinan.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    asset = next(part.split('"')[0] for part in docs.split('src="')[1:] if "swagger" in part)
    assert asset.startswith("/static/")
    assert client_dinan.get(asset).status_code == 200
