-- pgbench script of the pure-SQL ledger peer (bench/sql_ledger.py): one transfer of 1 between two distinct funded
-- accounts chosen at random among accounts 1..:accounts (pgbench -D accounts=N), as one function call.
\set from random(1, :accounts)
\set to 1 + (:from + random(0, :accounts - 2)) % :accounts
SELECT transfer(:from, :to, 1);
