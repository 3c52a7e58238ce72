"""The peer: dlt loading the same gzip files into DuckDB, as a user of dlt would write it.

Runs in its own virtual environment (bench/.venv-dlt), so dlt never enters the product's
dependencies. Each visit lands as one JSON column, like the loader's raw layer.

    python bench/dlt_load.py SAMPLE_DIR OUT_DIR
"""

import gzip
import json
import sys
from pathlib import Path

import dlt


def main() -> None:
    sample, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)

    @dlt.resource(name="web_sessions", columns={"record": {"data_type": "json"}})
    def web_sessions():
        for path in sorted(sample.glob("*.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    record = json.loads(line)
                    yield {"file_name": path.name, "line_number": number, "record": record}

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        destination=dlt.destinations.duckdb(str(out / "dlt.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(out / "pipelines"),
    )
    pipeline.run(web_sessions())


if __name__ == "__main__":
    main()
