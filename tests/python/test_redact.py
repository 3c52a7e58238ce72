"""The redactor: every encoding of a secret, in any text, log file or exception.

The encodings below are written out in the test (not taken from loader.redact), for secrets
full of the characters each encoding changes.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from urllib.parse import quote, quote_plus, urlencode

import pytest

from loader import ingest as ingest_module
from loader.cli import configure_logging, main
from loader.redact import REDACTOR, Redactor

SECRETS = ["cs/ecret+X=9", "k&y%20 ?#é", 'q"u\\ote~d']


def forms(secret: str) -> dict[str, str]:
    return {
        "raw": secret,
        "percent": quote(secret, safe=""),
        "percent keeping /": quote(secret, safe="/"),
        "percent, lower-case hex": re.sub(
            r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")
        ),
        "form": urlencode({"client_secret": secret}).split("=", 1)[1],
        "form keeping /": quote_plus(secret, safe="/"),
        "json": json.dumps(secret)[1:-1],
        "base64": base64.b64encode(secret.encode()).decode(),
    }


@pytest.mark.parametrize("secret", SECRETS)
def test_every_encoding_of_a_secret_is_masked(secret):
    redactor = Redactor()
    redactor.add(secret)
    for kind, form in forms(secret).items():
        text = f"before {form} after"
        assert form not in redactor.scrub(text), kind
        assert redactor.scrub(text).startswith("before ") and text.endswith(" after"), kind


def test_a_basic_header_is_masked_whatever_it_encodes():
    redactor = Redactor()
    redactor.add("cl/ient+id=5", "cs/ecret+X=9")
    known = base64.b64encode(b"cl/ient+id=5:cs/ecret+X=9").decode()
    unknown = base64.b64encode(b"someone:else").decode()
    text = f"Authorization: Basic {known}\nproxy said: Basic {unknown}; then Bearer abc.def.ghi"
    scrubbed = redactor.scrub(text)
    assert known not in scrubbed and unknown not in scrubbed and "abc.def.ghi" not in scrubbed
    # The id:secret pair is masked even outside a header.
    assert known not in redactor.scrub(f"token={known}")


def test_an_oauth1_header_shows_no_key_token_or_signature():
    redactor = Redactor()
    header = (
        'OAuth oauth_nonce="1", oauth_signature_method="HMAC-SHA1", '
        'oauth_consumer_key="k%2Fey%2BA", oauth_token="t%2Fok", oauth_signature="c2ln%3D"'
    )
    scrubbed = redactor.scrub(header)
    assert "k%2Fey" not in scrubbed and "t%2Fok" not in scrubbed and "c2ln" not in scrubbed
    assert 'oauth_signature_method="HMAC-SHA1"' in scrubbed


def test_a_log_file_handler_added_later_gets_scrubbed_records(tmp_path):
    secret = "s3cr/et+X=9?#"
    REDACTOR.add(secret)
    configure_logging(verbose=True)
    log_file = tmp_path / "loader.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    try:
        logging.getLogger("somelibrary").debug("sent body client_secret=%s", quote_plus(secret))
        try:
            raise ValueError(f"bad {quote(secret, safe='')}")
        except ValueError:
            logging.getLogger("somelibrary").exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "client_secret=***" in text
    assert all(form not in text for form in forms(secret).values())


def test_an_unexpected_error_is_a_scrubbed_sentence_with_a_scrubbed_traceback(
    env, monkeypatch, capsys
):
    secret = "cs/ecret+X=9"
    monkeypatch.setenv("LP_CLIENT_ID", "client-id-1")
    monkeypatch.setenv("LP_CLIENT_SECRET", secret)

    def broken(settings, paths):
        raise RuntimeError(f"bug while sending client_secret={quote_plus(secret)}")

    monkeypatch.setattr(ingest_module, "ingest", broken)
    (env / "in").mkdir()

    assert main(["ingest", str(env / "in")]) == 1
    err = capsys.readouterr().err
    assert "This is a bug of the loader" in err and "Traceback" not in err
    assert main(["--verbose", "ingest", str(env / "in")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err  # with --verbose, the details, scrubbed
    assert all(form not in err for form in forms(secret).values())
