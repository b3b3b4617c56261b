"""Model instances from one hand-written SELECT, for the few hot paths where the ORM's query compilation costs more
than the database does (an allocation's request context). The columns come from the models' own metadata, so a
field added to a model is read without touching the SQL; excluded fields are deferred, as with `.defer()`, and load
on first access."""

from collections.abc import Iterator, Sequence
from functools import cache

from django.db import connections, models


@cache
def attnames(model: type[models.Model], exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The attnames of `model`'s concrete fields, in field order, but the fields named in `exclude`."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in exclude)


def columns(model: type[models.Model], alias: str, exclude: frozenset[str] = frozenset()) -> str:
    """The SELECT list of `attnames(model, exclude)` from the table aliased `alias`."""
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    return ", ".join(f'{alias}."{by_attname[name]}"' for name in attnames(model, exclude))


def instances(row: Sequence, connection, *models_read: tuple[type[models.Model], frozenset[str]]) -> Iterator:
    """The instances of `models_read` ((model, exclude) pairs, in the SELECT's order) from one `row`, as the ORM
    would have built them (the backend's and the fields' converters applied, then `Model.from_db`); then the row's
    remaining values, one by one."""
    start = 0
    for model, exclude in models_read:
        names = attnames(model, exclude)
        values = [
            _converted(value, field, connection, converters)
            for value, (field, converters) in zip(
                row[start : start + len(names)], _converters(model, exclude, connection.alias), strict=True
            )
        ]
        yield model.from_db(connection.alias, names, values)
        start += len(names)
    yield from row[start:]


@cache
def _converters(model: type[models.Model], exclude: frozenset[str], alias: str) -> tuple:
    """(field, its converters from database values) of the fields `attnames(model, exclude)` names."""
    connection = connections[alias]
    return tuple(
        (f, connection.ops.get_db_converters(f.get_col(model._meta.db_table)) + f.get_db_converters(connection))
        for f in model._meta.concrete_fields
        if f.name not in exclude
    )


def _converted(value, field: models.Field, connection, converters):
    for converter in converters:
        value = converter(value, field, connection)
    return value
