"""The API's error shape names the field at fault, items of lists by their index (DRF keys them by number)."""

from rest_framework import serializers

from joinedup.api.errors import _flatten


class Item(serializers.Serializer):
    title = serializers.CharField()


class Body(serializers.Serializer):
    name = serializers.CharField()
    items = Item(many=True)


def test_nested_list_errors_keep_each_items_index():
    body = Body(data={"name": "", "items": [{"title": ""}, {}, {"title": "ok"}]})
    assert not body.is_valid()
    assert _flatten(body.errors) == [
        {"field": "name", "problem": "This field may not be blank."},
        {"field": "items[0].title", "problem": "This field may not be blank."},
        {"field": "items[1].title", "problem": "This field is required."},
    ]
