"""What sqlfluff's jinja templater lacks from dbt, so that `sqlfluff lint` renders the models.

`.sqlfluff` points `library_path` here; the package's modules become jinja globals (`adapter`,
`dbt`). They mirror only what the project's macros use, rendering as dbt-duckdb would.
"""
