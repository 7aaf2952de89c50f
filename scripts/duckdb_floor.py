"""The floor advocacy is measured against: DuckDB scanning the whole usage table once and
summing active minutes per person and month, where a person is the row's contact_id or, for
rows keyed only by email, lower(trim(email)).

    python3 scripts/duckdb_floor.py bench/scale-100            # usage/ folder or usage.parquet
    python3 scripts/duckdb_floor.py bench/scale-100-csv        # usage.csv
"""
import os
import sys

import duckdb

folder = sys.argv[1]
if os.path.isdir(os.path.join(folder, "usage")):
    source = f"read_parquet('{folder}/usage/*.parquet')"
elif os.path.exists(os.path.join(folder, "usage.parquet")):
    source = f"read_parquet('{folder}/usage.parquet')"
else:
    source = f"read_csv('{folder}/usage.csv', header = true, all_varchar = false)"
con = duckdb.connect()
columns = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
person = "coalesce(contact_id, lower(trim(email)))" if "email" in columns else "contact_id"
rows = con.execute(
    f"""
    select {person} as person, date_trunc('month', date) as month, sum(active_minutes) as minutes
    from {source}
    group by all
    """
).fetchall()
print(f"{len(rows)} person-months")
