"""Small builders of Data Access-shaped gzip files for the loader's tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

HOUR_MS = 3_600_000
BASE_HOUR_MS = 1_764_460_800_000  # 2025-11-30T00:00Z


def file_name(hour: int = 0, part: int = 0) -> str:
    start = BASE_HOUR_MS + hour * HOUR_MS
    return f"WebSession.{start}.{start + HOUR_MS}.part-{part:05d}-0.gz"


def visit(visit_id: str, *, wrapped: bool = True, pages: int = 1) -> dict:
    """A minimal but real-shaped visit record (one navigation body)."""
    header = {
        "com.liveperson.dataaccess.VisitorHeader": {
            "visitId": {"string": visit_id},
            "visitorId": {"string": f"visitor-{visit_id}"},
            "contextId": None,
        }
    }
    body = {
        "body": {
            "com.liveperson.dataaccess.WebSessionNavigationData": {
                "header": header,
                "navigationData": {
                    "array": [
                        {
                            "timestamp": {"long": BASE_HOUR_MS + i},
                            "url": {"string": f"https://shop.example.com/{visit_id}/{i}"},
                            "referrerUrl": {"string": ""},
                            "sections": {"array": []},
                        }
                        for i in range(pages)
                    ]
                },
            }
        }
    }
    meta = {
        "accountId": {"string": "12345678"},
        "schemaVersion": "1.0.0.22",
        "startTime": {"long": BASE_HOUR_MS + 1000},
        "endTime": None,
    }
    return {
        "dataType": {"com.liveperson.dataaccess.DataTypeEnum": "WebSession"},
        "metaData": {"com.liveperson.dataaccess.MetaData": meta} if wrapped else meta,
        "recordCollection": {"array": [body]} if wrapped else [body],
    }


def lines(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def write_gz(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def write_visits(folder: Path, name: str, visit_ids: list[str], **kwargs) -> Path:
    return write_gz(folder / name, lines([visit(v, **kwargs) for v in visit_ids]))
