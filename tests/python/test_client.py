"""The Data Access client against a real local HTTP server (fake_data_access.py)."""

from __future__ import annotations

import email.utils
import logging
import os
import time

import pytest
import requests
from requests_oauthlib import OAuth1

from loader.auth import make_auth
from loader.client import (
    AuthError,
    DataAccessError,
    NotFound,
    RemoteFile,
    TransientError,
    UnsafeURLError,
)
from loader.files import parse_file_name
from tests.python.fake_data_access import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    ALL_SECRETS,
    APP_KEY,
    APP_SECRET,
    drop_connection,
    error,
    hang,
    raw,
    redirect,
    slow,
)

HOUR_MS = 3_600_000
# 2016-06-01 07:00 EDT and 2016-12-01 07:00 EST: summer and winter offsets.
SUMMER_MS = 1_464_778_800_000
WINTER_MS = 1_480_593_600_000


def ws_name(start_ms: int, part: int = 0) -> str:
    return f"WebSession.{start_ms}.{start_ms + HOUR_MS}.part-{part:05d}-0.gz"


def payload(size: int = 10_000) -> bytes:
    return os.urandom(size)


def window(start_ms: int = SUMMER_MS) -> tuple[int, int]:
    return start_ms, start_ms + 24 * HOUR_MS


# ---- happy paths and signing ---------------------------------------------------------------


def test_oauth1_signed_list_and_download(fake_server, make_client, tmp_path):
    first, second = payload(), payload(3000)
    fake_server.add_file(ws_name(SUMMER_MS), first)
    fake_server.add_file(ws_name(SUMMER_MS + HOUR_MS, 3), second)
    client = make_client(fake_server.settings(tmp_path))

    files = client.list_files(*window())

    assert [f.name.name for f in files] == [ws_name(SUMMER_MS), ws_name(SUMMER_MS + HOUR_MS, 3)]
    for remote, data in zip(files, (first, second), strict=True):
        dest = tmp_path / "out" / remote.name.name
        client.download(remote, dest)
        assert dest.read_bytes() == data
    assert all(r.authorized for r in fake_server.requests)
    assert all(r.header("Authorization").startswith("OAuth ") for r in fake_server.requests)
    assert 'oauth_signature_method="HMAC-SHA1"' in fake_server.requests[0].header("Authorization")


def test_query_params_are_part_of_the_signature(fake_server, make_client, tmp_path):
    client = make_client(fake_server.settings(tmp_path))
    start, end = window()
    client.list_files(start, end)

    (listing,) = fake_server.requests_to(fake_server.list_path)
    assert listing.query == {"startTime": [str(start)], "endTime": [str(end)]}
    assert f"startTime%3D{start}" in listing.oauth_base_string
    assert f"endTime%3D{end}" in listing.oauth_base_string
    assert listing.authorized


def test_fake_server_rejects_a_tampered_query(fake_server, tmp_path):
    # Proves the server really verifies signatures, so the signing tests can fail.
    auth = OAuth1(APP_KEY, APP_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET)
    url = fake_server.url + fake_server.list_path
    prepared = requests.Request("GET", url, params={"startTime": "1", "endTime": "2"}, auth=auth)
    prepared = prepared.prepare()
    prepared.url = prepared.url.replace("endTime=2", "endTime=3")
    with requests.Session() as session:
        response = session.send(prepared, timeout=5)
    assert response.status_code == 401
    assert "<message>Unauthorized request</message>" in response.text


def test_user_agent_and_no_gzip_accept_header(fake_server, make_client, tmp_path):
    fake_server.add_file(ws_name(SUMMER_MS), b"x")
    client = make_client(fake_server.settings(tmp_path))
    (remote,) = client.list_files(*window())
    client.download(remote, tmp_path / "f.gz")

    for request in fake_server.requests:
        assert request.header("User-Agent").startswith("liveperson-warehouse-loader/")
        assert "gzip" not in (request.header("Accept") or "")


def test_oauth1_wrong_secret_fails_naming_the_oauth1_variables(
    fake_server, make_client, tmp_path, sleeps
):
    client = make_client(fake_server.settings(tmp_path, app_secret="notTheRightSecret0000"))

    with pytest.raises(AuthError) as caught:
        client.list_files(*window())

    message = str(caught.value)
    for name in ("LP_APP_KEY", "LP_APP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET"):
        assert name in message
    assert "2026-05-31" in message
    assert "Data Access" in message and "LP_ACCOUNT_ID" in message
    assert "Unauthorized request (internalCode 10)" in message
    assert f"GET {fake_server.url}{fake_server.list_path}" in message
    assert len(fake_server.requests) == 1 and sleeps == []


def test_403_explains_which_credentials_to_check(fake_server, make_client, tmp_path):
    fake_server.inject(fake_server.list_path, error(403, "Forbidden for account", code=11))
    client = make_client(fake_server.settings(tmp_path, auth="oauth2"))

    with pytest.raises(AuthError) as caught:
        client.list_files(*window())

    assert caught.value.status == 403
    assert "LP_CLIENT_ID" in str(caught.value) and "LP_CLIENT_SECRET" in str(caught.value)
    assert "Forbidden for account (internalCode 11)" in str(caught.value)


# ---- OAuth2 --------------------------------------------------------------------------------


def test_oauth2_token_fetched_once_for_several_requests(fake_server, make_client, tmp_path):
    fake_server.add_file(ws_name(SUMMER_MS), b"abc")
    client = make_client(fake_server.settings(tmp_path, auth="oauth2"))

    (remote,) = client.list_files(*window())
    client.list_files(*window())
    client.download(remote, tmp_path / "a.gz")

    assert fake_server.token_requests == 1
    (token,) = fake_server.issued_tokens
    data_requests = [r for r in fake_server.requests if r.path != fake_server.token_path]
    assert len(data_requests) == 3
    assert all(r.header("Authorization") == f"Bearer {token}" for r in data_requests)
    (token_request,) = fake_server.requests_to(fake_server.token_path)
    assert b"grant_type=client_credentials" in token_request.body


def test_oauth2_token_refreshed_after_expiry(fake_server, make_client, tmp_path):
    now = [1000.0]
    client = make_client(fake_server.settings(tmp_path, auth="oauth2"), clock=lambda: now[0])

    client.list_files(*window())
    now[0] += 3000  # well inside the 3600 s lifetime
    client.list_files(*window())
    assert fake_server.token_requests == 1

    now[0] += 600  # past expires_in
    client.list_files(*window())
    assert fake_server.token_requests == 2
    last = fake_server.requests_to(fake_server.list_path)[-1]
    assert last.header("Authorization") == f"Bearer {fake_server.issued_tokens[-1]}"


def test_oauth2_revoked_token_is_replaced_once(fake_server, make_client, tmp_path):
    client = make_client(fake_server.settings(tmp_path, auth="oauth2"))
    client.list_files(*window())
    fake_server.revoke_tokens()

    client.list_files(*window())

    assert fake_server.token_requests == 2
    assert fake_server.requests_to(fake_server.list_path)[-1].authorized


def test_oauth2_bad_client_secret_names_the_oauth2_variables(fake_server, make_client, tmp_path):
    settings = fake_server.settings(tmp_path, auth="oauth2", client_secret="wrongClientSecret00")
    client = make_client(settings)

    with pytest.raises(AuthError) as caught:
        client.list_files(*window())

    assert "LP_CLIENT_ID" in str(caught.value) and "LP_CLIENT_SECRET" in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    assert fake_server.requests_to(fake_server.list_path) == []  # no data request was sent


def test_oauth2_token_endpoint_5xx_is_retried(fake_server, make_client, tmp_path, sleeps):
    fake_server.inject(fake_server.token_path, error(503))
    client = make_client(fake_server.settings(tmp_path, auth="oauth2"))

    assert client.list_files(*window()) == []
    assert fake_server.token_requests == 2 and sleeps == [1.0]


# ---- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after, expected", [("7", 7.0), ("0", 1.0), (None, 1.0)])
def test_429_honours_retry_after_and_waits_at_least_a_second(
    fake_server, make_client, tmp_path, sleeps, retry_after, expected
):
    fake_server.inject(fake_server.list_path, error(429, "Too many", retry_after=retry_after))
    client = make_client(fake_server.settings(tmp_path))

    assert client.list_files(*window()) == []
    assert sleeps == [expected]
    assert len(fake_server.requests_to(fake_server.list_path)) == 2


def test_429_retry_after_as_http_date(fake_server, make_client, tmp_path, sleeps):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fake_server.inject(fake_server.list_path, error(429, retry_after=when))
    client = make_client(fake_server.settings(tmp_path))

    client.list_files(*window())

    (pause,) = sleeps
    assert 25 <= pause <= 31


def test_5xx_retried_with_growing_pauses_then_success(fake_server, make_client, tmp_path, sleeps):
    fake_server.add_file(ws_name(SUMMER_MS), b"data")
    fake_server.inject(fake_server.list_path, error(500), error(503), error(502))
    client = make_client(fake_server.settings(tmp_path))

    (remote,) = client.list_files(*window())

    assert remote.name.name == ws_name(SUMMER_MS)
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(fake_server.requests_to(fake_server.list_path)) == 4


def test_5xx_exhausted_raises_with_the_server_message(fake_server, make_client, tmp_path, sleeps):
    fake_server.inject(fake_server.list_path, error(503, "Service down", code=99), times=4)
    client = make_client(fake_server.settings(tmp_path), max_retries=3)

    with pytest.raises(TransientError) as caught:
        client.list_files(*window())

    message = str(caught.value)
    assert f"GET {fake_server.url}{fake_server.list_path}" in message
    assert "HTTP 503 Service down (internalCode 99)" in message
    assert "gave up after 4 attempts" in message
    assert len(fake_server.requests_to(fake_server.list_path)) == 4
    assert len(sleeps) == 3


def test_404_fails_without_retry(fake_server, make_client, tmp_path, sleeps):
    fake_server.add_file(ws_name(SUMMER_MS), b"data")
    client = make_client(fake_server.settings(tmp_path))
    (remote,) = client.list_files(*window())
    fake_server.remove_file(ws_name(SUMMER_MS))

    with pytest.raises(NotFound) as caught:
        client.download(remote, tmp_path / "x.gz")

    assert "HTTP 404 File not found (internalCode 4)" in str(caught.value)
    assert f"GET {remote.href}" in str(caught.value)
    assert len(fake_server.requests_to(fake_server.file_path(ws_name(SUMMER_MS)))) == 1
    assert sleeps == []
    assert list(tmp_path.glob("x.gz*")) == []


def test_other_4xx_fails_at_once_with_the_server_message(
    fake_server, make_client, tmp_path, sleeps
):
    fake_server.inject(fake_server.list_path, error(400, "This request is not supported", code=5))
    client = make_client(fake_server.settings(tmp_path))

    with pytest.raises(DataAccessError) as caught:
        client.list_files(*window())

    assert "HTTP 400 This request is not supported (internalCode 5)" in str(caught.value)
    assert not isinstance(caught.value, TransientError)
    assert sleeps == []


def test_connection_dropped_mid_download_is_retried(fake_server, make_client, tmp_path, sleeps):
    # Larger than the client's 1 MiB chunks, so part of the dropped attempt reaches the disk.
    data = payload(3 * 1024 * 1024)
    fake_server.add_file(ws_name(SUMMER_MS), data)
    path = fake_server.file_path(ws_name(SUMMER_MS))
    fake_server.inject(path, drop_connection(after_bytes=1536 * 1024))
    client = make_client(fake_server.settings(tmp_path))
    (remote,) = client.list_files(*window())
    reported: list[int] = []

    dest = tmp_path / "landing" / remote.name.name
    client.download(remote, dest, progress=reported.append)

    assert dest.read_bytes() == data
    assert not dest.with_name(dest.name + ".part").exists()
    assert len(fake_server.requests_to(path)) == 2 and sleeps == [1.0]
    assert min(reported) < 0 and sum(reported) == len(data)  # the bar rewound the drop


def test_download_failure_leaves_no_part_file(fake_server, make_client, tmp_path):
    fake_server.add_file(ws_name(SUMMER_MS), payload(5000))
    path = fake_server.file_path(ws_name(SUMMER_MS))
    fake_server.inject(path, drop_connection(after_bytes=100), times=3)
    client = make_client(fake_server.settings(tmp_path), max_retries=2)
    (remote,) = client.list_files(*window())

    dest = tmp_path / "landing" / remote.name.name
    with pytest.raises(TransientError) as caught:
        client.download(remote, dest)

    assert "connection lost" in str(caught.value) and "gave up after 3 attempts" in str(
        caught.value
    )
    assert list(dest.parent.iterdir()) == []


def test_hanging_server_times_out_and_is_retried(fake_server, make_client, tmp_path, sleeps):
    fake_server.inject(fake_server.list_path, hang(1.5))
    client = make_client(fake_server.settings(tmp_path), timeout=(1, 0.3))

    started = time.monotonic()
    assert client.list_files(*window()) == []
    assert time.monotonic() - started < 1.5
    assert sleeps == [1.0]


def test_hanging_server_exhausted_reports_timeout(fake_server, make_client, tmp_path):
    fake_server.inject(fake_server.list_path, hang(1), times=2)
    client = make_client(fake_server.settings(tmp_path), timeout=(1, 0.2), max_retries=1)

    with pytest.raises(TransientError, match="timed out"):
        client.list_files(*window())


def test_slow_body_within_the_read_timeout_succeeds(fake_server, make_client, tmp_path, sleeps):
    data = payload(8 * 1024)
    fake_server.add_file(ws_name(SUMMER_MS), data)
    fake_server.inject(fake_server.file_path(ws_name(SUMMER_MS)), slow(0.05, chunk_size=1024))
    client = make_client(fake_server.settings(tmp_path), timeout=(1, 0.5))
    (remote,) = client.list_files(*window())

    client.download(remote, tmp_path / "slow.gz")

    assert (tmp_path / "slow.gz").read_bytes() == data and sleeps == []


# ---- credential safety -----------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["oauth1", "oauth2"])
def test_redirect_to_another_host_is_refused(fake_server, evil_server, make_client, tmp_path, auth):
    fake_server.add_file(ws_name(SUMMER_MS), b"data")
    path = fake_server.file_path(ws_name(SUMMER_MS))
    fake_server.inject(path, redirect(evil_server.url + path))
    client = make_client(fake_server.settings(tmp_path, auth=auth))
    (remote,) = client.list_files(*window())

    with pytest.raises(UnsafeURLError) as caught:
        client.download(remote, tmp_path / "x.gz")

    assert f"refusing to send credentials to http://127.0.0.1:{evil_server.port}" in str(
        caught.value
    )
    assert evil_server.requests == []
    assert not (tmp_path / "x.gz").exists()


def test_same_origin_redirect_is_followed_and_re_signed(fake_server, make_client, tmp_path):
    fake_server.add_file(ws_name(SUMMER_MS), b"old location")
    fake_server.add_file(ws_name(SUMMER_MS, part=1), b"new location")
    old, new = (fake_server.file_path(ws_name(SUMMER_MS, p)) for p in (0, 1))
    fake_server.inject(old, redirect(fake_server.url + new, status=307))
    client = make_client(fake_server.settings(tmp_path))
    remote = client.list_files(*window())[0]

    client.download(remote, tmp_path / "r.gz")

    assert (tmp_path / "r.gz").read_bytes() == b"new location"
    # The server checks each signature against its own URL: only a re-signed hop passes.
    (hop,) = fake_server.requests_to(new)
    assert hop.authorized and hop.header("Authorization").startswith("OAuth ")


def test_redirect_loop_stops_after_five_hops(fake_server, make_client, tmp_path):
    fake_server.add_file(ws_name(SUMMER_MS), b"data")
    path = fake_server.file_path(ws_name(SUMMER_MS))
    fake_server.inject(path, redirect(fake_server.url + path), times=10)
    client = make_client(fake_server.settings(tmp_path))
    (remote,) = client.list_files(*window())

    with pytest.raises(DataAccessError, match="more than 5 redirects"):
        client.download(remote, tmp_path / "x.gz")
    assert len(fake_server.requests_to(path)) == 6


def test_href_on_another_origin_is_refused_before_any_request(
    fake_server, evil_server, make_client, tmp_path
):
    name = ws_name(SUMMER_MS)
    fake_server.add_file(name, b"data", href=evil_server.url + fake_server.file_path(name))
    client = make_client(fake_server.settings(tmp_path))
    (remote,) = client.list_files(*window())
    before = len(fake_server.requests)

    with pytest.raises(UnsafeURLError) as caught:
        client.download(remote, tmp_path / "x.gz")

    assert f"refusing to send credentials to {evil_server.url} " in str(caught.value)

    assert evil_server.requests == []
    assert len(fake_server.requests) == before


@pytest.mark.parametrize(
    "href",
    [
        "http://va-a.da.liveperson.net/data_access_le/f.gz",  # https only
        "https://va-a.da.liveperson.net:8443/data_access_le/f.gz",  # port 443 only
        "https://va-a.da.liveperson.net.evil.example/f.gz",
        "https://evil.example/va-a.da.liveperson.net/f.gz",
        "https://da.liveperson.net.evil.example/f.gz",
        "https://va.da.liveperson.net@evil.example/f.gz",
        "https://user@va-a.da.liveperson.net/f.gz",
        "ftp://va-a.da.liveperson.net/f.gz",
    ],
)
def test_untrusted_hrefs_are_refused(fake_server, make_client, tmp_path, monkeypatch, href):
    client = make_client(fake_server.settings(tmp_path))
    sent: list[object] = []
    monkeypatch.setattr(client._session, "send", lambda *a, **k: sent.append(a))
    remote = RemoteFile(parse_file_name(ws_name(SUMMER_MS)), href, None, None)

    with pytest.raises(UnsafeURLError, match="refusing to send credentials"):
        client.download(remote, tmp_path / "x.gz")
    assert sent == []


def test_liveperson_shard_hosts_are_trusted(fake_server, make_client, tmp_path, monkeypatch):
    client = make_client(fake_server.settings(tmp_path))
    sent: list[requests.PreparedRequest] = []

    def fake_send(prepared, **kwargs):
        sent.append(prepared)
        raise requests.ConnectionError("offline test")

    monkeypatch.setattr(client._session, "send", fake_send)
    href = "https://va-a.da.liveperson.net/data_access_le/account/1/le/webSession/f.gz"
    remote = RemoteFile(parse_file_name(ws_name(SUMMER_MS)), href, None, None)

    with pytest.raises(TransientError):
        client.download(remote, tmp_path / "x.gz")
    assert sent and sent[0].url == href
    assert requests.utils.to_native_string(sent[0].headers["Authorization"]).startswith("OAuth ")


def test_no_secret_in_errors_or_debug_logs(fake_server, evil_server, make_client, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    name = ws_name(SUMMER_MS)
    fake_server.add_file(name, b"data")
    path = fake_server.file_path(name)

    for auth in ("oauth1", "oauth2"):
        client = make_client(fake_server.settings(tmp_path, auth=auth))
        (remote,) = client.list_files(*window())
        client.download(remote, tmp_path / f"{auth}.gz")
        fake_server.inject(path, error(503), times=4)
        fake_server.inject(path, redirect(evil_server.url + path))
        for _ in range(2):
            with pytest.raises(DataAccessError) as caught:
                client.download(remote, tmp_path / "fail.gz")
            messages.append(str(caught.value))
        messages.append(repr(client))

    bad = [
        fake_server.settings(tmp_path, app_secret="wrong1"),
        fake_server.settings(tmp_path, auth="oauth2", client_secret="wrong2"),
    ]
    for settings in bad:
        with pytest.raises(AuthError) as caught:
            make_client(settings).list_files(*window())
        messages.append(str(caught.value))

    assert len(fake_server.issued_tokens) >= 1
    assert caplog.records, "DEBUG logging should have captured something"
    secrets = (*ALL_SECRETS, *fake_server.issued_tokens)
    for text in (*messages, caplog.text):
        for secret in secrets:
            assert secret not in text


def test_secret_echoed_by_the_server_is_scrubbed(fake_server, make_client, tmp_path):
    fake_server.inject(fake_server.list_path, error(400, f"bad consumer key {APP_KEY}", code=3))
    client = make_client(fake_server.settings(tmp_path))

    with pytest.raises(DataAccessError) as caught:
        client.list_files(*window())

    assert "bad consumer key *** (internalCode 3)" in str(caught.value)


@pytest.mark.parametrize("auth", ["oauth1", "oauth2"])
def test_auth_repr_hides_secrets(fake_server, tmp_path, auth):
    with requests.Session() as session:
        text = repr(make_auth(fake_server.settings(tmp_path, auth=auth), session))
    assert not any(secret in text for secret in ALL_SECRETS)


# ---- listing shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, collapse, empty_answer, shape",
    [
        (2, True, "absent", list),
        (1, False, "absent", list),
        (1, True, "absent", dict),
        (0, True, "absent", None),
        (0, True, "empty_list", list),
    ],
)
def test_file_as_list_object_or_absent(
    fake_server, make_client, tmp_path, count, collapse, empty_answer, shape
):
    for hour in range(count):
        fake_server.add_file(ws_name(SUMMER_MS + hour * HOUR_MS), b"d")
    fake_server.collapse_single = collapse
    fake_server.empty_answer = empty_answer
    client = make_client(fake_server.settings(tmp_path))

    files = client.list_files(*window())

    assert len(files) == count
    answer = requests.get(
        fake_server.url + fake_server.list_path,
        params={"startTime": SUMMER_MS, "endTime": SUMMER_MS + 24 * HOUR_MS},
        auth=OAuth1(APP_KEY, APP_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET),
        timeout=5,
    ).json()["dataAccessFiles"]
    assert type(answer.get("file")) is shape if shape else "file" not in answer


@pytest.mark.parametrize("status", [400, 404, 500])
def test_no_available_files_answer_is_an_empty_list(
    fake_server, make_client, tmp_path, sleeps, status
):
    fake_server.empty_answer = "no_available_files"
    fake_server.no_files_status = status
    client = make_client(fake_server.settings(tmp_path))

    assert client.list_files(*window()) == []
    assert len(fake_server.requests_to(fake_server.list_path)) == 1 and sleeps == []


def test_listing_window_filters_on_scope_start(fake_server, make_client, tmp_path):
    for hour in (-1, 0, 23, 24):
        fake_server.add_file(ws_name(SUMMER_MS + hour * HOUR_MS), b"d")
    client = make_client(fake_server.settings(tmp_path))

    files = client.list_files(*window())

    assert [f.name.scope_start_ms for f in files] == [SUMMER_MS, SUMMER_MS + 23 * HOUR_MS]


def test_name_without_gz_and_eastern_offsets(fake_server, make_client, tmp_path):
    summer, winter = ws_name(SUMMER_MS), ws_name(WINTER_MS)
    fake_server.add_file(summer, b"s", listed_name=summer.removesuffix(".gz"))
    fake_server.add_file(winter, b"w")
    client = make_client(fake_server.settings(tmp_path))

    (s,) = client.list_files(*window(SUMMER_MS))
    (w,) = client.list_files(*window(WINTER_MS))

    assert s.name.name == summer and s.href.endswith(summer)
    assert s.name.scope_start_ms == SUMMER_MS
    assert s.scope_start_date == "2016-06-01T07:00:00-04:00"
    assert w.scope_start_date == "2016-12-01T07:00:00-05:00"
    assert w.scope_end_date == "2016-12-01T08:00:00-05:00"


def test_name_missing_falls_back_to_the_href(fake_server, make_client, tmp_path):
    name = ws_name(SUMMER_MS)
    fake_server.add_file(name, b"d", listed_name="")
    client = make_client(fake_server.settings(tmp_path))

    (remote,) = client.list_files(*window())

    assert remote.name.name == name


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<html><body>Gateway says hello</body></html>", "expected a JSON file list"),
        (b'{"somethingElse": {}}', "no 'dataAccessFiles'"),
    ],
)
def test_list_body_that_is_not_a_file_list_is_a_clear_error(
    fake_server, make_client, tmp_path, sleeps, body, expected
):
    fake_server.inject(fake_server.list_path, raw(200, body))
    client = make_client(fake_server.settings(tmp_path))

    with pytest.raises(DataAccessError) as caught:
        client.list_files(*window())

    message = str(caught.value)
    assert expected in message
    assert body.decode()[:30] in message
    assert f"GET {fake_server.url}{fake_server.list_path}" in message
    assert sleeps == []


@pytest.mark.parametrize("start, end", [(0, 0), (10, 5), (0, 24 * HOUR_MS + 1)])
def test_list_window_must_be_at_most_a_day(fake_server, make_client, tmp_path, start, end):
    client = make_client(fake_server.settings(tmp_path))
    with pytest.raises(ValueError, match="at most one day"):
        client.list_files(start, end)
    assert fake_server.requests == []


def test_a_link_with_user_info_is_refused_for_that_reason(fake_server, make_client, tmp_path):
    # It used to say that the trusted host itself was not trusted.
    client = make_client(fake_server.settings(tmp_path))
    href = fake_server.url.replace("://", "://user:pw@") + fake_server.file_path(ws_name(SUMMER_MS))
    remote = RemoteFile(parse_file_name(ws_name(SUMMER_MS)), href, None, None)

    with pytest.raises(UnsafeURLError) as caught:
        client.download(remote, tmp_path / "x.gz")

    message = str(caught.value)
    assert "carries a user name or password" in message
    assert "only" not in message and "pw" not in message
    assert fake_server.requests == []
