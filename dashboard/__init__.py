"""A local web dashboard over the warehouse (Streamlit): `make dashboard`, or
`python -m dashboard --port 8501`.

queries.py holds every SQL query, warehouse.py the read-only, short-lived connections, and
app.py the page.
"""
