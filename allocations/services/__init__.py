"""Writes of the allocations app, one module per kind of movement; every one goes through `ledger.ledger_post`.

- `ledger`: the one way money moves (`ledger_post`, `transfer`) and `retry_on_conflict`.
- `funding`: staff deposits to and withdrawals from a network client's AVAILABLE account.
- `allocations`: a client's signed allocations and deallocations, and a partner's confirmation or refusal.

Reads are in allocations.selectors.
"""
