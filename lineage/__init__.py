"""Column-level lineage of the dbt project, derived with sqlglot from dbt's compiled SQL.

`python -m lineage` prints it (`make lineage MODEL=fct_orders COLUMN=order_total`), writes it as
a dbt doc block for the docs site (`make docs`), and checks that no mart column carries personal
data that was not hashed (or, for URLs and free text, scrubbed) on the way.
"""
