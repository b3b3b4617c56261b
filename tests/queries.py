"""The one query-count check for lists: the count must not grow with the rows listed (CONVENTIONS.md, Tests)."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(fetch: Callable, add_rows: Callable[[int], object], count: Callable, *, rows: int = 49):
    """`fetch()` costs as many queries with `rows` more rows as without them.

    `fetch()` makes the request (it must succeed), `add_rows(n)` adds n rows to what it lists, and `count(response)`
    says how many rows a response shows: it must grow by `rows`, so the check cannot pass by measuring the same
    list twice. A first, unmeasured call absorbs one-off work (e.g. the API client's `last_used_at` write).
    Returns the two responses.
    """
    fetch()
    with CaptureQueriesContext(connection) as before:
        first = fetch()
    add_rows(rows)
    with CaptureQueriesContext(connection) as after:
        second = fetch()
    assert count(second) == count(first) + rows, "the rows added do not show in the list"
    assert len(after) == len(before), "\n".join(
        ["query count grew with the rows:", *(q["sql"] for q in after.captured_queries)]
    )
    return first, second
