-- A minimal double-entry ledger in plain SQL: the floor peer of the allocation benchmark (bench/sql_ledger.py).
--
-- Accounts carry their balance; a transfer moves a positive amount from one account to another and is recorded as
-- one row in `transfers` and two rows in `entries` (one per account, signed, with the balance it left). Everything a
-- transfer does happens in ONE function call, so one round trip: lock both accounts in id order (two transfers
-- crossing the same pair in opposite directions cannot deadlock), refuse an overdraft unless the source account may
-- go negative, insert the transfer and its entries, move both balances.

CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    balance bigint NOT NULL DEFAULT 0,
    allow_negative boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (allow_negative OR balance >= 0)
);

CREATE TABLE transfers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_account_id bigint NOT NULL REFERENCES accounts (id),
    to_account_id bigint NOT NULL REFERENCES accounts (id),
    amount bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (from_account_id <> to_account_id)
);
CREATE INDEX transfers_from_account_id ON transfers (from_account_id);
CREATE INDEX transfers_to_account_id ON transfers (to_account_id);

CREATE TABLE entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    transfer_id bigint NOT NULL REFERENCES transfers (id),
    amount bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_account_id ON entries (account_id, id);
CREATE INDEX entries_transfer_id ON entries (transfer_id);

CREATE FUNCTION transfer(p_from bigint, p_to bigint, p_amount bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    locked integer;
    source_balance bigint;
    source_may_go_negative boolean;
    new_transfer bigint;
    from_after bigint;
    to_after bigint;
BEGIN
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION 'transfer amount must be positive, got %', p_amount USING ERRCODE = 'check_violation';
    END IF;
    IF p_from = p_to THEN
        RAISE EXCEPTION 'transfer from account % to itself', p_from USING ERRCODE = 'check_violation';
    END IF;

    -- Both rows locked, lower id first: the sort runs below the row locking, so the locks follow the order.
    SELECT count(*) INTO locked
    FROM (SELECT id FROM accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE) AS pair;
    IF locked <> 2 THEN
        RAISE EXCEPTION 'unknown account in transfer % -> %', p_from, p_to USING ERRCODE = 'foreign_key_violation';
    END IF;

    SELECT balance, allow_negative INTO source_balance, source_may_go_negative FROM accounts WHERE id = p_from;
    IF NOT source_may_go_negative AND source_balance < p_amount THEN
        RAISE EXCEPTION 'insufficient funds in account %: balance %, transfer %', p_from, source_balance, p_amount
            USING ERRCODE = 'check_violation';
    END IF;

    INSERT INTO transfers (from_account_id, to_account_id, amount)
    VALUES (p_from, p_to, p_amount)
    RETURNING id INTO new_transfer;

    UPDATE accounts SET balance = balance - p_amount, updated_at = now() WHERE id = p_from
    RETURNING balance INTO from_after;
    UPDATE accounts SET balance = balance + p_amount, updated_at = now() WHERE id = p_to
    RETURNING balance INTO to_after;

    INSERT INTO entries (account_id, transfer_id, amount, balance_after)
    VALUES (p_from, new_transfer, -p_amount, from_after), (p_to, new_transfer, p_amount, to_after);

    RETURN new_transfer;
END;
$$;
