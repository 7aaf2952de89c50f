"""The floor advocacy is measured against: DuckDB scanning the whole usage table once and
summing active minutes per contact and month.

    python3 scripts/duckdb_floor.py bench/scale-100
"""
import sys

import duckdb

folder = sys.argv[1]
rows = duckdb.connect().execute(
    f"""
    select contact_id, date_trunc('month', date) as month, sum(active_minutes) as minutes
    from read_parquet('{folder}/usage/*.parquet')
    group by all
    """
).fetchall()
print(f"{len(rows)} contact-months")
