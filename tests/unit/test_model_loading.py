"""Items read from DynamoDB become the same models through chalicelib/db/loading.py's one pass as
through PynamoDB's own `from_raw_data`: every model of the app, generated items with attributes left out
(their defaults), stored as NULL, maps, lists and sets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import AttributeDeserializationError
from pynamodb.models import Model

from chalicelib.db import loading
from chalicelib.db.catalog import ALL_MODELS
from chalicelib.db.models import Ticket

texts = st.text(min_size=1, max_size=8)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
plain = st.one_of(texts, st.integers(-1000, 1000), st.booleans())
documents = st.recursive(plain, lambda inner: st.dictionaries(texts, inner, max_size=3), max_leaves=6)


def values_of(attribute: Attribute[Any]) -> st.SearchStrategy[Any]:
    """Python values an attribute of this kind holds."""
    if isinstance(attribute, MapAttribute) and type(attribute) is not MapAttribute:
        return fields_of(type(attribute)).map(lambda fields: type(attribute)(**fields))
    if isinstance(attribute, MapAttribute):
        return st.dictionaries(texts, documents, max_size=3)
    if isinstance(attribute, ListAttribute):
        element = attribute.element_type
        if element is not None and issubclass(element, MapAttribute):
            return st.lists(fields_of(element).map(lambda fields: element(**fields)), max_size=3)
        return st.lists(texts, max_size=3)
    if isinstance(attribute, TTLAttribute):
        return moments.map(lambda moment: moment.replace(microsecond=0))
    if isinstance(attribute, UTCDateTimeAttribute):
        return moments
    if isinstance(attribute, JSONAttribute):
        return documents
    if isinstance(attribute, UnicodeSetAttribute):
        return st.sets(texts, min_size=1, max_size=3)
    if isinstance(attribute, BooleanAttribute):
        return st.booleans()
    if isinstance(attribute, NumberAttribute):
        return st.one_of(st.integers(-(10**9), 10**9), st.floats(-1e6, 1e6, allow_nan=False))
    if isinstance(attribute, UnicodeAttribute):
        return texts
    raise AssertionError(f"no values for {type(attribute).__name__}: add them to this test")


def fields_of(container: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of a container's attributes with values (the others left out)."""
    attributes = container.get_attributes()
    return st.fixed_dictionaries({}, optional={name: values_of(attr) for name, attr in attributes.items()})


@st.composite
def stored_items(draw: st.DrawFn) -> tuple[type[Model], dict[str, Any]]:
    """A model and an item as DynamoDB returns it: some attributes absent, some stored as NULL."""
    model = draw(st.sampled_from(ALL_MODELS))
    instance = model(**draw(fields_of(model)))
    raw = instance.serialize(null_check=False)
    nulls = draw(st.sets(st.sampled_from([a.attr_name for a in model.get_attributes().values()])))
    for name in nulls:
        raw[name] = {"NULL": True}
    return model, raw


def the_same(ours: Any, theirs: Any) -> None:
    assert type(ours) is type(theirs)
    assert ours.attribute_values.keys() == theirs.attribute_values.keys()
    assert ours.serialize(null_check=False) == theirs.serialize(null_check=False)
    for name, value in theirs.attribute_values.items():
        assert type(ours.attribute_values[name]) is type(value), name
        if not isinstance(value, MapAttribute | list):
            assert ours.attribute_values[name] == value, name


@settings(max_examples=400, deadline=None)
@given(stored_items())
def test_every_model_loads_to_what_pynamodb_would_build(item: tuple[type[Model], dict[str, Any]]) -> None:
    model, raw = item
    the_same(loading.from_raw_data(model, raw), loading._PynamoDBFromRawData(model, raw))


def test_an_item_without_an_attribute_gets_a_fresh_default_each_time() -> None:
    first = loading.from_raw_data(Ticket, {"company_id": {"S": "c"}, "ticket_id": {"S": "t"}})
    second = loading.from_raw_data(Ticket, {"company_id": {"S": "c"}, "ticket_id": {"S": "t"}})
    the_same(first, loading._PynamoDBFromRawData(Ticket, {"company_id": {"S": "c"}, "ticket_id": {"S": "t"}}))
    for name, value in first.attribute_values.items():
        if isinstance(value, list | dict | set):
            assert value is not second.attribute_values[name], name


def test_a_stored_value_of_the_wrong_type_is_refused_as_pynamodb_refuses_it() -> None:
    raw = {"company_id": {"S": "c"}, "ticket_id": {"N": "1"}}
    with pytest.raises(AttributeDeserializationError):
        loading._PynamoDBFromRawData(Ticket, raw)
    with pytest.raises(AttributeDeserializationError):
        loading.from_raw_data(Ticket, raw)


def test_installing_makes_gets_queries_and_batch_gets_take_the_one_pass() -> None:
    loading.install()
    assert Ticket.from_raw_data.__func__ is loading.from_raw_data  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(stored_items())
def test_reading_a_field_gives_what_pynamodbs_descriptor_gives(item: tuple[type[Model], dict[str, Any]]) -> None:
    model, raw = item
    instance = loading._PynamoDBFromRawData(model, raw)
    for name, attribute in model.get_attributes().items():
        theirs = loading._PynamoDBGet(attribute, instance, model)
        assert loading.attribute_value(attribute, instance, model) is theirs, name
        if isinstance(theirs, MapAttribute) and type(theirs) is not MapAttribute:
            for field, inner in type(theirs).get_attributes().items():  # a typed map's own fields
                expected = loading._PynamoDBGet(inner, theirs, type(theirs))
                assert loading.attribute_value(inner, theirs, type(theirs)) is expected, f"{name}.{field}"


def test_a_field_read_on_the_class_is_the_attribute_itself() -> None:
    loading.install()
    assert Ticket.subject is Ticket.get_attributes()["subject"]
    assert loading.attribute_value(Ticket.get_attributes()["subject"], None, Ticket) is Ticket.subject
