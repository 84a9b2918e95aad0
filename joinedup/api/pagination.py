"""Paging that refuses malformed `limit`/`offset` with a 422 naming the parameter, rather than guessing."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` (1–500, default 100) and `?offset=` (0 or more); anything else is a clear error."""

    default_limit = 100
    max_limit = 500

    def _whole_number(self, request, name: str, minimum: int, maximum: int | None = None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError({name: [f"give {name} once"]})
        try:
            number = int(values[0])
        except ValueError:
            raise ValidationError({name: [f"must be a whole number, not {values[0][:20]!r}"]}) from None
        if number < minimum:
            raise ValidationError({name: [f"must be {minimum} or more"]})
        if maximum is not None and number > maximum:
            raise ValidationError({name: [f"must be {maximum} or fewer"]})
        return number

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit, "default": self.default_limit},
            self.offset_query_param: {"minimum": 0, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
