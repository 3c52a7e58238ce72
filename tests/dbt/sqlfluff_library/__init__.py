"""What sqlfluff's jinja templater lacks from dbt, so that `sqlfluff lint` renders the models.

`.sqlfluff` points `library_path` here; the package's modules become jinja globals (`adapter`,
`dbt`), and so do the functions below (dbt's `fromyaml` and `tojson`). They mirror only what
the project's macros use, rendering as dbt-duckdb would.
"""

import json

import yaml


def fromyaml(text):
    return yaml.safe_load(text)


def tojson(value):
    return json.dumps(value)
