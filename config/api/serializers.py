"""Serializers whose fields are built once per class.

DRF deep-copies a serializer's declared fields for every instance (`Serializer.fields`): each field re-instantiated
from its arguments, nested serializers included. For an answer built on every request that copying cost more than
the rest of the rendering (the allocation reads and creates, profiled). `SharedFieldsSerializer` builds the bound
fields once per class, on a prototype instance, and every instance renders with them.

Only for serializers whose fields render from the instance alone, or validate from the data alone: a field bound
to the prototype sees the prototype's (empty) context and its `partial` (False), so a field that reads the context,
the request or `partial`, a validator that needs the serializer's instance (DRF's unique validators), or code that
changes `self.fields` per instance rules it out. The serializer's own methods run on the real instance and may read
its context. Rendering and validation read the fields and never change them (errors and validated data are kept on
the serializer, not its fields), so the threads of a worker may share them.
"""

from rest_framework import serializers


class SharedFieldsSerializer(serializers.Serializer):
    @property
    def fields(self):
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            prototype = cls.__new__(cls)
            serializers.Serializer.__init__(prototype)
            shared = serializers.Serializer.fields.func(prototype)  # DRF's own copy and binding, once
            cls._shared_fields = shared  # a race builds it twice, the same
        return shared
