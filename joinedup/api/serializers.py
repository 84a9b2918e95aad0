"""Shapes of API responses."""

from rest_framework import serializers

from joinedup.accounts.models import Agency, User


class AgencySerializer(serializers.ModelSerializer):
    """An agency: no personal data."""

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "kind"]


class UserSerializer(serializers.ModelSerializer):
    """A colleague in the staff directory: name, role, team and how to reach them."""

    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team = serializers.CharField(source="team.name", default=None, read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "job_title", "role", "agency", "team", "email", "phone"]
