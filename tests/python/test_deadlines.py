"""A whole-request deadline and a minimum transfer rate, for lists, tokens and downloads.

The per-read timeout alone let a server sending a byte every few seconds hold `pull` for
hours. Here the fake server drips its answers one byte at a time, well within the read
timeout; the request must still be abandoned at its deadline (or when its rate stays below
the minimum), retried like a timeout, and reported naming the limit, with no partial file.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time

import pytest

from loader.client import TransientError
from tests.python.fake_data_access import slow
from tests.python.gzfiles import BASE_HOUR_MS, HOUR_MS, file_name, lines, visit
from tests.python.test_reliability_pull import loader_env

WINDOW = (BASE_HOUR_MS, BASE_HOUR_MS + 24 * HOUR_MS)
DRIP = slow(0.1, chunk_size=1)  # a byte every 0.1 s: never a read timeout


def test_a_list_answer_dripping_past_the_deadline_is_abandoned_and_retried(
    fake_server, make_client, tmp_path, sleeps
):
    fake_server.add_file(file_name(0), b"x")
    fake_server.inject(fake_server.list_path, DRIP, times=2)
    settings = fake_server.settings(tmp_path, request_deadline_s=1)
    client = make_client(settings, max_retries=1, timeout=(2, 2))

    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        client.list_files(*WINDOW)

    assert time.monotonic() - started < 6  # two attempts of about a second each
    message = str(caught.value)
    assert "did not finish within 1 s (LP_REQUEST_DEADLINE_S)" in message
    assert "gave up after 2 attempts" in message
    assert len(fake_server.requests_to(fake_server.list_path)) == 2


def test_a_download_slower_than_the_minimum_rate_is_abandoned_and_leaves_nothing(
    fake_server, make_client, tmp_path
):
    fake_server.add_file(file_name(0), os.urandom(50_000))
    path = fake_server.file_path(file_name(0))
    fake_server.inject(path, DRIP, times=2)
    settings = fake_server.settings(tmp_path, min_transfer_bytes_per_s=1000)
    client = make_client(settings, max_retries=1, timeout=(2, 2), rate_window_s=0.5)
    (remote,) = client.list_files(*WINDOW)
    dest = tmp_path / "landing" / remote.name.name

    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        client.download(remote, dest)

    assert time.monotonic() - started < 5
    assert "below LP_MIN_TRANSFER_BYTES_PER_S (1,000)" in str(caught.value)
    assert list(dest.parent.iterdir()) == []


def test_a_download_at_a_rate_above_the_minimum_completes(fake_server, make_client, tmp_path):
    data = os.urandom(16 * 1024)
    fake_server.add_file(file_name(0), data)
    fake_server.inject(fake_server.file_path(file_name(0)), slow(0.05, chunk_size=1024))
    settings = fake_server.settings(tmp_path, min_transfer_bytes_per_s=2000)
    client = make_client(settings, rate_window_s=0.3)
    (remote,) = client.list_files(*WINDOW)

    client.download(remote, tmp_path / "f.gz")

    assert (tmp_path / "f.gz").read_bytes() == data


def test_a_token_answer_dripping_past_the_deadline_is_abandoned(
    fake_server, make_client, tmp_path, sleeps
):
    fake_server.inject(fake_server.token_path, DRIP, times=2)
    settings = fake_server.settings(tmp_path, auth="oauth2", request_deadline_s=1)
    client = make_client(settings, max_retries=1, timeout=(2, 2))

    started = time.monotonic()
    with pytest.raises(TransientError, match=r"did not finish within 1 s"):
        client.list_files(*WINDOW)
    assert time.monotonic() - started < 6
    assert fake_server.token_requests == 2


def test_a_pull_stopped_by_sigterm_mid_download_leaves_no_partial_file(fake_server, tmp_path):
    data = gzip.compress(lines([visit(f"v{i}", pages=50) for i in range(200)]), mtime=0)
    fake_server.add_file(file_name(0), data)
    fake_server.inject(fake_server.file_path(file_name(0)), slow(0.05, chunk_size=512))
    part = tmp_path / "landing" / "webSession" / "2025-11-30" / (file_name(0) + ".download.part")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "loader",
            "pull",
            "--start",
            str(BASE_HOUR_MS),
            "--end",
            str(BASE_HOUR_MS + HOUR_MS),
        ],
        env=loader_env(fake_server, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (part.exists() and part.stat().st_size > 0):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)

    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)

    assert process.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    assert not part.exists()
    assert [p.name for p in part.parent.iterdir()] == []
