"""Items read from DynamoDB made into models in one pass.

PynamoDB's `Model.from_raw_data` builds an instance through `__init__` (every attribute's default
computed), then `_container_deserialize` resets it and computes every default again before it sets the
stored values, each through the attribute's descriptor. For a page that lists fifty tickets that is most
of the CPU the page costs after botocore. `from_raw_data` here gives the same instance (same class,
discriminator, defaults and values; tests/unit/test_model_loading.py compares both on every model of
the app) with each default computed once and plain attributes stored directly; attributes whose class
has its own `__set__` (maps, TTL, version) still go through it. Numbers and times, a third of a ticket's
attributes, are parsed by C (`int`, `datetime.fromisoformat`) where their stored form allows.

Installed for the process by `install()` (chalicelib.db.base calls it), for models whose `__init__` is
PynamoDB's own; any other keeps PynamoDB's path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.attributes import Attribute, NumberAttribute, UTCDateTimeAttribute
from pynamodb.constants import NULL
from pynamodb.exceptions import AttributeDeserializationError
from pynamodb.models import Model

_PynamoDBFromRawData = Model.from_raw_data.__func__  # type: ignore[attr-defined]
_PynamoDBGet = Attribute.__get__
# (python name, stored name, stored type, default, whether the descriptor stores it plainly, how a stored
#  value becomes the Python one)
Plan = tuple[tuple[str, str, str, Any, bool, Callable[[Any], Any] | None], ...]
_plans: dict[type, Plan] = {}


_PYNAMODB_DATETIME = UTCDateTimeAttribute()


def _number(stored: str) -> Any:
    """NumberAttribute's `json.loads`, with DynamoDB's usual whole number (never a leading zero) parsed
    as the int json would make of it, ten times faster."""
    if stored.isascii() and stored.isdigit() and (stored[0] != "0" or len(stored) == 1):
        return int(stored)
    return json.loads(stored)


def _utc_datetime(stored: str) -> datetime:
    """UTCDateTimeAttribute's parse of its one format (`2026-11-30T14:05:00.000000+0000`), by the C
    parser: the same aware datetime in timezone.utc. Anything else takes PynamoDB's own path."""
    if len(stored) == 31 and stored[10] == "T" and stored[19] == "." and stored.endswith("+0000"):
        return datetime.fromisoformat(stored)
    return _PYNAMODB_DATETIME.deserialize(stored)


def _deserializer(attr: Any) -> Callable[[Any], Any] | None:
    """None where the stored value is the Python one (PynamoDB's base `deserialize` returns it as it is)."""
    if type(attr).deserialize is Attribute.deserialize:
        return None
    if type(attr) is NumberAttribute:
        return _number
    if type(attr) is UTCDateTimeAttribute:
        return _utc_datetime
    return attr.deserialize


def _plan(model: type[Model]) -> Plan:
    plan = _plans.get(model)
    if plan is None:
        plan = tuple(
            (
                name,
                attr.attr_name,
                attr.attr_type,
                attr.default,
                type(attr).__set__ is Attribute.__set__,
                _deserializer(attr),
            )
            for name, attr in model.get_attributes().items()
        )
        _plans[model] = plan
    return plan


def from_raw_data(model: type[Model], data: dict[str, Any]) -> Any:
    """`model.from_raw_data(data)` as PynamoDB defines it, in one pass."""
    if data is None:
        raise ValueError("Received no data to construct object")
    stored = model._get_discriminator_class(data) if model._discriminator else None  # type: ignore[attr-defined]
    if stored and not issubclass(stored, model):
        raise ValueError(f"Cannot instantiate a {model.__name__} from the returned class: {stored.__name__}")
    target: Any = stored or model
    if target.__init__ is not Model.__init__:
        return _PynamoDBFromRawData(model, data)
    instance = object.__new__(target)
    values: dict[str, Any] = {}
    instance.attribute_values = values
    if target._discriminator:
        instance._set_discriminator()
    for name, stored_name, stored_type, default, plain, deserialize in _plan(target):
        raw = data.get(stored_name)
        if raw and NULL not in raw:
            if stored_type not in raw:
                raise AttributeDeserializationError(stored_name, stored_type)
            value = raw[stored_type] if deserialize is None else deserialize(raw[stored_type])
        elif default is None:
            continue
        else:
            value = default() if callable(default) else default
            if value is None:
                continue
        if plain:
            values[name] = value
        else:
            setattr(instance, name, value)
    return instance


def attribute_value(attribute: Any, instance: Any, owner: Any) -> Any:
    """`Attribute.__get__`, which every read of a model's field goes through (a list of tickets reads some
    900): for a model instance (never a map, always truthy) the value is looked up directly, without
    PynamoDB's map-class check and name property on each read; maps and the class itself take its path."""
    if isinstance(instance, Model):
        name = attribute.attr_path[-1]
        return instance.attribute_values.get(instance._dynamo_to_python_attrs.get(name, name))  # type: ignore[attr-defined]
    return _PynamoDBGet(attribute, instance, owner)


def install() -> None:
    """Every model's `from_raw_data` (queries, gets, batch gets) takes the one-pass path, and reads of its
    fields the direct lookup (idempotent)."""
    Model.from_raw_data = classmethod(from_raw_data)  # type: ignore[assignment,method-assign]
    Attribute.__get__ = attribute_value  # type: ignore[assignment,method-assign]
