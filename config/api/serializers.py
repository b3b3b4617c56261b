"""Output serializers whose fields are built once per class.

DRF deep-copies a serializer's declared fields for every instance (`Serializer.fields`): each field re-instantiated
from its arguments, nested serializers included. For an answer built on every request that copying cost more than
the rest of the rendering (the allocation reads and creates, profiled). `SharedFieldsSerializer` builds the bound
fields once per class, on a prototype instance, and every instance renders with them.

Only for serializers whose rendering reads nothing but the instance: a field bound to the prototype sees the
prototype's (empty) context, so a serializer or field that reads `self.context`, the request or `partial` must not
use it. Rendering reads the fields and never changes them, so the threads of a worker may share them.
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
