"""The Spark side of the project: the DuckDB-vs-Spark parity check (`make test-spark`)."""
