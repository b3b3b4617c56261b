"""A queryset compiled to SQL once and run again with new values: for the lookups every API request makes.

Building and compiling a queryset (`filter`, `select_related`, the compiler's SELECT, FROM and WHERE) costs several
times what the database takes to answer a lookup by primary key. `PreparedQuery` compiles the queryset once per
database (with sample values standing in for the parameters), then each call runs that SQL with the call's values,
converts the columns with the same converters and builds the instances (`select_related` ones included) as the ORM
does. Only plain querysets: no prefetches, annotations, deferred fields or peer fetching.

    _client = PreparedQuery(
        lambda pk: ApiClient.objects.select_related("organization").filter(pk=pk, active=True)[:1],
        fields=[ApiClient._meta.pk],
    )
    api_client = _client.first(some_uuid)

Where a queryset cannot say it (deferred fields, an EXISTS over an unrelated join), a hot path writes its SELECT by
hand with `columns()` and reads the row back with `instances()`: the columns come from the models' own metadata, so a
field added to a model is read without touching the SQL; excluded fields are deferred, as with `.defer()`, and load
on first access (an allocation's request context, allocations.services.allocations).

`prepared_cursor(connection)` runs those hot statements with server-side binding, each prepared by PostgreSQL on
its first run in a session and only executed afterwards: parsing and planning a five-table join cost PostgreSQL
several times what executing it does. Not behind PgBouncer in transaction pooling (`DATABASE_POOLER`), where a
session's prepared statement may be missing on the next transaction's server connection, nor on SQLite: there it is
the usual cursor.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field, QuerySet
from django.db.models.query import RelatedPopulator


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    positions: tuple[tuple[int, int], ...]  # (index in params, index of the call's value)
    converters: tuple
    model_slice: slice
    init_list: tuple[str, ...]
    model: type
    related: tuple[RelatedPopulator, ...]


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *, fields: Sequence[Field]) -> None:
        """`build(*values)` makes the queryset; `fields[i]` is the model field the i-th value is compared with (its
        database preparation of the value is what the SQL receives)."""
        self.build = build
        self.fields = tuple(fields)
        self.alias = DEFAULT_DB_ALIAS
        self._compiled: dict[str, _Compiled] = {}  # by database vendor (the test suite runs on either)

    def first(self, *values):
        """The first instance the queryset gives for these values, or None."""
        connection = connections[self.alias]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        params = list(compiled.params)
        for param_index, value_index in compiled.positions:
            field = self.fields[value_index]
            value = values[value_index]
            if value is None:  # nothing matches NULL with `=`: as the ORM's `pk=None`, no row
                return None
            params[param_index] = field.get_db_prep_value(field.to_python(value), connection, prepared=False)
        with prepared_cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (converters, expression) in compiled.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        instance = compiled.model.from_db(self.alias, compiled.init_list, row[compiled.model_slice])
        for populator in compiled.related:
            populator.populate(row, instance)
        return instance

    def _samples(self) -> list:
        """A value per field that nothing else in the SQL's parameters can equal."""
        samples = []
        for field in self.fields:
            internal = field.get_internal_type()
            if internal == "UUIDField":
                samples.append(uuid.uuid4())
            elif internal in ("BigAutoField", "AutoField", "BigIntegerField", "IntegerField"):
                samples.append(1_000_000_000 + uuid.uuid4().int % 1_000_000_000)
            else:
                raise NotImplementedError(f"PreparedQuery: no sample value for a {internal}")
        return samples

    def _compile(self, connection) -> _Compiled:
        samples = self._samples()
        queryset = self.build(*samples)  # the samples are found again in the compiled parameters below
        if queryset._prefetch_related_lookups or queryset._fetch_mode.track_peers or queryset._known_related_objects:
            raise NotImplementedError("PreparedQuery takes plain querysets only")
        if queryset.db != self.alias:
            raise NotImplementedError("PreparedQuery reads the default database only")
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        prepared = [
            field.get_db_prep_value(sample, connection, prepared=False)
            for field, sample in zip(self.fields, samples, strict=True)
        ]
        positions = []
        for param_index, param in enumerate(params):
            for value_index, sample in enumerate(prepared):
                if param == sample:
                    positions.append((param_index, value_index))
        if sorted(value_index for _p, value_index in positions) != list(range(len(self.fields))):
            raise NotImplementedError("PreparedQuery: each value must appear once in the SQL's parameters")
        if compiler.annotation_col_map or compiler.has_extra_select:
            raise NotImplementedError("PreparedQuery takes plain querysets only")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        model_fields = klass_info["select_fields"]
        model_slice = slice(model_fields[0], model_fields[-1] + 1)
        return _Compiled(
            sql=sql,
            params=tuple(params),
            positions=tuple(positions),
            converters=tuple(compiler.get_converters(fields).items()),
            model_slice=model_slice,
            init_list=tuple(f[0].target.attname for f in select[model_slice]),
            model=klass_info["model"],
            related=tuple(
                RelatedPopulator(info, select, self.alias, queryset._fetch_mode)
                for info in klass_info.get("related_klass_infos", [])
            ),
        )


# --- prepared statements ---------------------------------------------------------------------------------------


@cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Server-side binding, and every statement prepared (psycopg keeps them per connection, by SQL and types)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


@contextmanager
def prepared_cursor(connection):
    """A cursor of `connection` whose statements PostgreSQL prepares once per session (module docstring); the usual
    cursor on SQLite or behind PgBouncer. Use it for fixed SQL run on every request, not for SQL built per call
    (each distinct text would stay prepared for the connection's life)."""
    if connection.vendor != "postgresql" or settings.DATABASE_POOLER != "none":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
    with connection._prepare_cursor(raw) as cursor:  # Django's wrapper: error mapping, query logging, thread check
        yield cursor


# --- hand-written SELECTs --------------------------------------------------------------------------------------


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
