"""config.api.serializers.SharedFieldsSerializer: the fields are built once per class and render as DRF's own do."""

import datetime
import threading
import uuid
from types import SimpleNamespace

from rest_framework import serializers

from config.api.serializers import SharedFieldsSerializer


class Inner(SharedFieldsSerializer):
    code = serializers.CharField(source="currency.code")
    doubled = serializers.SerializerMethodField()

    def get_doubled(self, instance) -> int:
        return instance.quantity * 2


class Output(SharedFieldsSerializer):
    id = serializers.UUIDField()
    amount = Inner(source="*")
    createdAt = serializers.DateTimeField(source="created_at")
    flag = serializers.BooleanField()


class Narrower(Output):
    flag = None


class PlainInner(serializers.Serializer):
    code = serializers.CharField(source="currency.code")
    doubled = serializers.SerializerMethodField()

    def get_doubled(self, instance) -> int:
        return instance.quantity * 2


class PlainOutput(serializers.Serializer):
    id = serializers.UUIDField()
    amount = PlainInner(source="*")
    createdAt = serializers.DateTimeField(source="created_at")
    flag = serializers.BooleanField()


def thing(n: int = 1):
    return SimpleNamespace(
        id=uuid.uuid4(),
        currency=SimpleNamespace(code="tbtc"),
        quantity=n,
        created_at=datetime.datetime(2026, 12, 3, 6, 0, n % 60, tzinfo=datetime.UTC),
        flag=n % 2 == 0,
    )


def test_it_renders_what_the_plain_serializer_renders():
    for n in range(5):
        instance = thing(n)
        assert Output(instance).data == PlainOutput(instance).data
    both = [thing(1), thing(2)]
    assert Output(both, many=True).data == PlainOutput(both, many=True).data


def test_the_fields_are_built_once_per_class():
    assert Output(thing()).fields is Output(thing()).fields
    assert Narrower(thing()).fields is not Output(thing()).fields
    assert "flag" not in Narrower(thing()).data and "flag" in Output(thing()).data


def test_threads_rendering_at_once_each_get_their_own_instance():
    instances = [thing(n) for n in range(200)]
    results: dict[int, dict] = {}

    def render(n: int) -> None:
        results[n] = Output(instances[n]).data

    threads = [threading.Thread(target=render, args=(n,)) for n in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n] == PlainOutput(instances[n]).data for n in range(200))


class Input(SharedFieldsSerializer):
    amount = Inner(source="*", required=False)
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)

    def to_internal_value(self, data):
        return {**super().to_internal_value(data), "seen": self.context["seen"]}


class PlainInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)


def test_an_input_validates_and_refuses_as_the_plain_serializer_does():
    for data in ({"name": "abc", "count": 2}, {"name": "abcdef", "count": 0}, {"count": "x"}, {}, []):
        shared, plain = Input(data=data, context={"seen": 1}), PlainInput(data=data)
        assert shared.is_valid() == plain.is_valid()
        assert shared.errors == plain.errors
        if plain.is_valid():
            assert shared.validated_data == {**plain.validated_data, "seen": 1}  # its own context, not the prototype's
