"""Shapes of API responses."""

from rest_framework import serializers

from joinedup.accounts.models import Agency, User
from joinedup.ingest.schema import load_schema


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


# --- Agency records (POST /api/v1/records/) ----------------------------------------------------------
# These describe the request for the OpenAPI schema; the body is checked against the agency record v1
# JSON Schema (joinedup.ingest), which is stricter (see docs/formats/README.md).

_RECORD_SCHEMA = load_schema()
RECORD_KINDS = _RECORD_SCHEMA["$defs"]["kind"]["enum"]
MENTION_ROLES = _RECORD_SCHEMA["$defs"]["role"]["enum"]


class AddressSerializer(serializers.Serializer):
    """An address as the agency wrote it."""

    lines = serializers.ListField(child=serializers.CharField(), max_length=6)
    postcode = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=10)
    uprn = serializers.RegexField(r"^[0-9]{1,12}$", required=False, allow_null=True)
    protected = serializers.BooleanField(required=False, help_text="A refuge or protected placement.")


class OtherNameSerializer(serializers.Serializer):
    """A former surname or an alias the agency holds (at least one of given_name, family_name)."""

    given_name = serializers.CharField(required=False, allow_null=True, min_length=1, max_length=100)
    family_name = serializers.CharField(required=False, allow_null=True, min_length=1, max_length=100)
    kind = serializers.ChoiceField(
        choices=["former", "alias"], help_text="former: a name they used to have (a surname before marriage or a "
                                               "deed poll); alias: another name they are known by.")


class MentionSerializer(serializers.Serializer):
    """A person as the record names them (at least one of given_name, family_name, relationship_label)."""

    mention_id = serializers.RegexField(r"^[A-Za-z0-9_-]{1,20}$")
    role = serializers.ChoiceField(choices=MENTION_ROLES)
    local_person_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)
    given_name = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    family_name = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    relationship_label = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    relationship_to_subject = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=60
    )
    dob = serializers.DateField(required=False, allow_null=True)
    expected_due_on = serializers.DateField(required=False, allow_null=True)
    dob_estimated = serializers.BooleanField(
        required=False, allow_null=True, help_text="True when the agency estimated the date of birth.")
    age = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=120,
        help_text="Age in whole years as recorded when the date of birth was not known, at the record's date.")
    other_names = OtherNameSerializer(
        many=True, required=False, allow_null=True, max_length=10,
        help_text="Former surnames and aliases the agency holds.")
    sex = serializers.ChoiceField(choices=["female", "male", "unknown"], required=False, allow_null=True)
    nhs_number = serializers.RegexField(r"^[0-9]{10}$", required=False, allow_null=True)
    upn = serializers.RegexField(r"^[A-Z][0-9]{11}[0-9A-Z]$", required=False, allow_null=True)
    address = AddressSerializer(required=False, allow_null=True)


class AgencyRecordSerializer(serializers.Serializer):
    """One record in the agency record format v1 (docs/formats/README.md); exactly one of occurred_at/on."""

    schema = serializers.ChoiceField(choices=["joinedup.agency-record/1"])
    agency_id = serializers.RegexField(r"^[a-z0-9]+(-[a-z0-9]+)*$", help_text="Your agency's id.")
    source_system = serializers.CharField(max_length=100)
    source_record_id = serializers.CharField(max_length=100)
    version = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    amended_at = serializers.DateTimeField(required=False, help_text="Required when version is 2 or more.")
    kind = serializers.ChoiceField(choices=RECORD_KINDS)
    occurred_at = serializers.DateTimeField(required=False)
    occurred_on = serializers.DateField(required=False)
    ended_on = serializers.DateField(required=False)
    recorded_at = serializers.DateTimeField()
    mentions = MentionSerializer(many=True, min_length=1)
    detail = serializers.DictField(help_text="Coded and free-text detail; keys are snake_case.")


class RecordBatchSerializer(serializers.Serializer):
    """Up to 1,000 records (JSON objects) in one request; each is checked, and stored or refused, on its own.

    Each record has the shape of AgencyRecord; a record that breaks the format is refused in its outcome
    rather than failing the batch, so the items are described here only as objects.
    """

    records = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=1000)


class ProblemSerializer(serializers.Serializer):
    """One problem with one field."""

    field = serializers.CharField()
    problem = serializers.CharField()


class MentionLinkageSerializer(serializers.Serializer):
    """Which person one mention of the record joined, and how; or why it was not linked."""

    mention_id = serializers.CharField()
    person_id = serializers.UUIDField(allow_null=True, help_text="joinedup's person id; null when not linked.")
    method = serializers.CharField(
        allow_null=True,
        help_text="How: same_source_id, online, model, review, context, recorded, new (no match: a new person) "
                  "or unlinkable (too little to identify them); null when not linked at all.")
    reason = serializers.CharField(allow_blank=True, help_text="Why, when not a field-by-field match or not linked.")


class RecordLinkageSerializer(serializers.Serializer):
    """How the record's mentions were linked to people on arrival (docs/formats/README.md)."""

    status = serializers.ChoiceField(choices=["linked", "partly_linked", "not_linked"])
    model = serializers.ChoiceField(
        choices=["trained", "default", ""], allow_blank=True,
        help_text="The model matching on arrival used: trained (this deployment's, by `joinedup link`), default "
                  "(shipped with joinedup, trained on simulated records, until then), or empty (none).")
    reason = serializers.CharField(allow_blank=True, help_text="Why not (every mention), when not all linked.")
    mentions = MentionLinkageSerializer(many=True)


class RecordOutcomeSerializer(serializers.Serializer):
    """What happened to one record: created, new_version, unchanged or refused (with its problems)."""

    index = serializers.IntegerField(help_text="Position in the request, from 0.")
    status = serializers.ChoiceField(choices=["created", "new_version", "unchanged", "refused"])
    source_record_id = serializers.CharField()
    agency_id = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    sequence = serializers.IntegerField(allow_null=True, help_text="joinedup's number for this version: 1, 2, …")
    current = serializers.BooleanField(help_text="Whether this version became the record's current version.")
    received_at = serializers.DateTimeField(allow_null=True, help_text="When this content was first received.")
    errors = ProblemSerializer(many=True)
    warnings = ProblemSerializer(
        many=True, help_text="What looked odd but plausible (a birth after the event, recorded before it happened): "
                             "the record was stored as sent, and the warnings are kept with its version.")
    linkage = RecordLinkageSerializer(
        allow_null=True, required=False,
        help_text="How its mentions were linked to people (null when the record was refused).")


class RecordBatchOutcomeSerializer(serializers.Serializer):
    """The outcome of every record of a batch, in order, and how many ended in each status."""

    outcomes = RecordOutcomeSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
