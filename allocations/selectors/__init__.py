"""Reads of the allocations app, beside allocations.services:

- `ledger`: one account's balance, and the stored ledger checked against itself.
- `balances`: what the network API and the balances page show for a client or a partner.
- `allocations`: the allocations and deallocations of either side.
"""
