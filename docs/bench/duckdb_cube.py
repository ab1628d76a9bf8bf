"""The yardstick of the cube benchmark: DuckDB computing recount's cube aggregates from the
same Parquet files, the incident-crime join included. Prints `seconds peak_MB`.

Usage: python3 duckdb_cube.py DATA_DIR   (needs `pip install duckdb`)
"""
import resource
import sys
import time

import duckdb

data = sys.argv[1]
began = time.perf_counter()
con = duckdb.connect()
con.execute("SET threads TO 2")
incidents = f"read_parquet('{data}/incidents/**/*.parquet', hive_partitioning = true)"
crimes = f"read_parquet('{data}/crimes/**/*.parquet', hive_partitioning = true)"

# Incidents by force, BCU, month, call type, closing code, and whether a crime names them.
con.execute(f"""
    CREATE TEMP TABLE incident_cells AS
    WITH links AS (
        SELECT DISTINCT force_id, incident_id FROM {crimes} WHERE incident_id IS NOT NULL
    )
    SELECT i.force_id, i.bcu, date_trunc('month', i.opened_at) AS period, i.call_type,
           i.closing_code, l.incident_id IS NOT NULL AS led_to_crime, count(*) AS n
    FROM {incidents} i
    LEFT JOIN links l ON i.force_id = l.force_id AND i.incident_id = l.incident_id
    GROUP BY ALL
""")
# Crimes by force, BCU, month reported, offences, cancellation, delay band, from an incident.
con.execute(f"""
    CREATE TEMP TABLE crime_cells AS
    SELECT force_id, bcu, date_trunc('month', reported_at) AS period, offence_initial,
           offence_final, cancelled_at IS NOT NULL OR cancel_reason IS NOT NULL AS cancelled,
           cancel_reason,
           CASE WHEN recorded_at - reported_at <= INTERVAL 24 HOURS THEN 0
                WHEN recorded_at - reported_at <= INTERVAL 72 HOURS THEN 1
                WHEN recorded_at - reported_at <= INTERVAL 168 HOURS THEN 2 ELSE 3 END AS delay,
           incident_id IS NOT NULL AS from_incident, count(*) AS n
    FROM {crimes}
    GROUP BY ALL
""")
# Reclassifications by force, BCU, month, days before the month's end and offences.
con.execute(f"""
    CREATE TEMP TABLE reclassification_cells AS
    SELECT force_id, bcu, date_trunc('month', reclassified_at) AS period,
           date_diff('day', reclassified_at::DATE, last_day(reclassified_at::DATE)) AS days_left,
           offence_initial, offence_final, count(*) AS n
    FROM {crimes}
    WHERE reclassified_at IS NOT NULL AND offence_initial <> offence_final
    GROUP BY ALL
""")
seconds = time.perf_counter() - began
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{seconds:.3f} {peak_mb:.0f}")
