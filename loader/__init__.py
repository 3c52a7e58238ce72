"""Land LivePerson Data Access web-session files raw into a DuckDB warehouse."""

__version__ = "0.1.0"
