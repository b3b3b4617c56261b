"""The pure-SQL ledger peer: bench/sql_ledger.sql (a two-account transfer as ONE PL/pgSQL function call) driven by
pgbench with bench/sql_ledger_pgbench.sql, in a throwaway database on the bench's PostgreSQL server.

    .venv/bin/python bench/sql_ledger.py [--clients 8] [--seconds 10]   # alone; allocations_bench.py calls run()

`run()` drops and makes the database, loads the schema, funds `accounts` accounts from an account that may go
negative, checks that an overdraft is refused, runs pgbench (random distinct pairs of funded accounts, 1 unit each)
with the given clients and duration, checks the ledger in SQL (every balance the sum of its entries and its last
entry's balance, every transfer two entries that cancel out, the pgbench count of transfers recorded), then drops
the database. It is what a ledger with no client-side work does on this machine: the floor the service is set
beside. None when pgbench is not installed.
"""

import argparse
import json
import os
import shutil

from harness import BENCH, database_url, pgbench_run

FUNDS = 10**12


def run(db_name: str, *, accounts: int = 100, clients: int = 8, threads: int = 2, seconds: int = 10) -> dict | None:
    if shutil.which("pgbench") is None:
        print("pgbench not found (Debian package postgresql-client): skipping the pure-SQL ledger peer")
        return None
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db_name}"')
    try:
        url = database_url(db_name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute((BENCH / "sql_ledger.sql").read_text())
            conn.execute(
                "INSERT INTO accounts (name) SELECT 'account ' || i FROM generate_series(1, %s) AS i", [accounts]
            )
            world = conn.execute(
                "INSERT INTO accounts (name, allow_negative) VALUES ('funding', true) RETURNING id"
            ).fetchone()[0]
            conn.execute("SELECT transfer(%s, id, %s) FROM accounts WHERE id <> %s ORDER BY id", [world, FUNDS, world])
            empty = conn.execute("INSERT INTO accounts (name) VALUES ('empty') RETURNING id").fetchone()[0]
            try:
                conn.execute("SELECT transfer(%s, 1, 1)", [empty])
            except psycopg.errors.CheckViolation:
                pass
            else:
                raise SystemExit("the pure-SQL ledger let an empty account overdraw")
            before = conn.execute("SELECT count(*) FROM transfers").fetchone()[0]
            conn.execute("VACUUM ANALYZE")
        script = BENCH / "sql_ledger_pgbench.sql"
        custom = ("-n", "-f", str(script), "-D", f"accounts={accounts}")  # -n: no pgbench tables to vacuum
        result = pgbench_run(url, *custom, clients=clients, threads=threads, seconds=seconds)
        with psycopg.connect(url, autocommit=True) as conn:
            recorded = conn.execute("SELECT count(*) FROM transfers").fetchone()[0] - before
            inconsistent = conn.execute(
                "SELECT (SELECT count(*) FROM accounts a WHERE a.balance <> (SELECT coalesce(sum(amount), 0) "
                "FROM entries e WHERE e.account_id = a.id) OR a.balance <> coalesce((SELECT balance_after "
                "FROM entries e WHERE e.account_id = a.id ORDER BY id DESC LIMIT 1), 0)) + (SELECT count(*) FROM "
                "(SELECT transfer_id FROM entries GROUP BY transfer_id HAVING sum(amount) <> 0 OR count(*) <> 2) u)"
            ).fetchone()[0]
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    if result["transactions"] is not None and recorded < result["transactions"]:
        raise SystemExit(f"the pure-SQL ledger recorded {recorded} transfers, pgbench counted {result['transactions']}")
    if inconsistent:
        raise SystemExit("the pure-SQL ledger is inconsistent after its run")
    return {**result, "accounts": accounts, "transfers_recorded": recorded, "ledger_consistent": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args()
    db_name = f"{os.environ.get('BENCH_DB_NAME', 'pn_bench')}_sql_ledger"
    result = run(db_name, accounts=args.accounts, clients=args.clients, threads=args.threads, seconds=args.seconds)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
