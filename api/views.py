"""The REST API: the same records, scopes and rules as the web pages.

Every endpoint reads through the models' `visible_to(user)` (another user's id is a 404, as in
the app); writes go through the app's forms (the same validation, edit-conflict check by
`version`) and model methods (`move_or_request_approval`, `Activity.log`, `Opportunity.open_new`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.forms import BooleanField, ModelMultipleChoiceField, NullBooleanField
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from customers.models import Contact, Customer
from leads.filters import LeadFilter
from leads.forms import LeadForm
from leads.models import Lead
from notifications.models import Notification
from opportunities.filters import OpportunityFilter
from opportunities.forms import EditConflict, FollowUpForm, MoveForm, OpportunityForm
from opportunities.models import Activity, ApprovalRequest, LossReason, Opportunity, Stage, StageMoveRefused
from opportunities.views.common import active_stages

from . import serializers as s


def _model_defaults(form_class) -> dict:
    """What a field left out of a new record's JSON means: the model's default, as in admin."""
    model, values = form_class._meta.model, {}
    for name in form_class._meta.fields:
        field = model._meta.get_field(name)
        if field.has_default():
            value = field.get_default()
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _form_data(data, instance=None, fields=(), *, form_class=None) -> QueryDict | dict:
    """A form's data from a JSON body; on update, the record's current values first, so a
    PATCH changes only what it names; on create, the model's defaults first."""
    creating = form_class is not None and hasattr(form_class, "_meta") and instance is None
    merged: dict = _model_defaults(form_class) if creating else {}
    if instance is not None:
        for name, value in model_to_dict(instance, fields=fields).items():
            if isinstance(value, list):  # many-to-many: ids
                value = [getattr(v, "pk", v) for v in value]
            merged[name] = "" if value is None else value
    if not isinstance(data, dict):
        raise DRFValidationError({"non_field_errors": [_("Send a JSON object.")]})
    multiple = {
        name
        for name, field in (form_class.base_fields.items() if form_class else ())
        if hasattr(field, "queryset") and isinstance(field, ModelMultipleChoiceField)
    }
    flags = {name for name, field in (form_class.base_fields.items() if form_class else ()) if _is_flag(field)}
    known = form_class.base_fields if form_class else {}
    for name, value in data.items():
        if form_class and name not in known:
            continue  # not the form's: refused or let pass by `_unsettable`, whatever its shape
        if name in flags and value not in FLAG_VALUES:
            raise DRFValidationError({name: [_("Send true or false.")]})
        if isinstance(value, dict) or (isinstance(value, list) and name not in multiple):
            raise DRFValidationError({name: [_("Send a single value.")]})
        if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
            raise DRFValidationError({name: [_("Send a list of ids.")]})
    merged.update(data)
    return {name: _as_form_value(value) for name, value in merged.items()}


# What a yes/no field takes in a JSON body: a form's BooleanField would read any other text as yes.
FLAG_VALUES = (True, False, None, "true", "false", "")


def _is_flag(field) -> bool:
    return isinstance(field, BooleanField | NullBooleanField)


def _as_form_value(value):
    """What a browser would post: text (checkboxes as true/false, nothing as empty)."""
    if isinstance(value, list):
        return [_as_form_value(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unsettable(data, form, read_serializer, *, instance=None, accepted=(), elsewhere=None) -> dict:
    """Errors for the names in a JSON body that this request cannot set, which the form would
    otherwise leave out in silence: a misspelt name, a field changed through another request
    (`elsewhere`: name -> where), one a new record does not take yet, one its pipeline does not
    use. A value equal to the record's own (a GET's body sent back) passes, and so do the
    read-only fields of the record's representation, as in REST framework."""
    readable = read_serializer().fields
    current = None
    errors = {}
    for name, value in data.items() if isinstance(data, dict) else ():
        if name in form.fields or name == "version" or name in accepted:
            continue
        settable_elsewhere = (elsewhere and name in elsewhere) or name in type(form).base_fields
        if not settable_elsewhere and name in readable:
            continue
        if settable_elsewhere:
            if instance is None:
                unchanged = _same(value, None)
            else:
                if current is None:
                    current = read_serializer(instance).data
                unchanged = _same(value, current.get(name))
            if unchanged:
                continue
        if elsewhere and name in elsewhere:
            message = elsewhere[name]
        elif name in type(form).base_fields and instance is None:
            message = _("A new record does not take this field; set it once the record exists.")
        elif name in type(form).base_fields:
            message = _("This record's pipeline does not use this field.")
        else:
            message = _("Unknown field.")
        errors[name] = [message]
    return errors


def _refusal(data, form, read_serializer, **how) -> Response | None:
    """A 400 for what the body cannot set (`_unsettable`), else for what the form refuses; None
    when the form may be saved."""
    errors = _unsettable(data, form, read_serializer, **how) or (None if form.is_valid() else _errors(form))
    return Response(errors, status=status.HTTP_400_BAD_REQUEST) if errors else None


def _same(sent, current) -> bool:
    """The same value, as JSON writes it either way (an id as 3 or "3"; nothing as null or "")."""

    def text(value):
        return "" if value in (None, "") else str(value)

    return text(sent) == text(current)


def _errors(form) -> dict:
    return {field or "non_field_errors": [str(e) for e in errors] for field, errors in form.errors.items()}


def _conflict() -> Response:
    return Response(
        {"detail": _("Someone else saved this record after you read it. Read it again, then make your change.")},
        status=status.HTTP_409_CONFLICT,
    )


class FormWriteMixin:
    """Create and update through the app's ModelForm; `version` is required on update."""

    form_class = None
    read_serializer = None

    def form_kwargs(self, instance=None) -> dict:
        return {"user": self.request.user}

    def set_elsewhere(self) -> dict:
        """Fields of the record that change through another request, with where."""
        return {}

    def _respond(self, obj, code=status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.read_serializer(obj, context={"request": self.request}).data, status=code)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [_("Send a JSON object.")]}, status=status.HTTP_400_BAD_REQUEST)
        if "version" not in request.data:
            return Response({"version": [_("Send the version you read, to detect a colleague's change.")]}, 400)
        try:
            stale = int(request.data["version"]) != instance.version
        except (TypeError, ValueError):
            stale = False  # not a number: the form says so
        if stale:
            return _conflict()  # before anything else: a stale body's other fields are stale too
        fields = self.form_class._meta.fields
        form = self.form_class(
            data=_form_data(request.data, instance, fields, form_class=self.form_class),
            instance=instance,
            **self.form_kwargs(instance),
        )
        refused = _refusal(request.data, form, self.read_serializer, instance=instance, elsewhere=self.set_elsewhere())
        if refused is not None:
            return refused
        try:
            obj = form.save()
        except EditConflict:
            return _conflict()
        return self._respond(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)


@extend_schema_view(
    create=extend_schema(request=s.LeadWriteSerializer, responses={201: s.LeadSerializer}),
    update=extend_schema(request=s.LeadWriteSerializer, responses={200: s.LeadSerializer, 409: s.RefusalSerializer}),
    partial_update=extend_schema(
        request=s.LeadWriteSerializer, responses={200: s.LeadSerializer, 409: s.RefusalSerializer}
    ),
)
class LeadViewSet(
    FormWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.LeadSerializer
    read_serializer = s.LeadSerializer
    form_class = LeadForm

    def get_queryset(self):
        return Lead.objects.visible_to(self.request.user).order_by("-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = LeadFilter(self.request.query_params, queryset=queryset, user=self.request.user)
        if not filterset.is_valid():
            raise _BadFilter(filterset)
        return filterset.qs.order_by("-id")

    def create(self, request, *args, **kwargs):
        data = _form_data(request.data, form_class=LeadForm)
        if not data.get("owner"):
            data["owner"] = str(request.user.pk)  # as the web form does
        form = LeadForm(data=data, user=request.user)
        refused = _refusal(request.data, form, self.read_serializer)
        if refused is not None:
            return refused
        return self._respond(form.save(), status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(request=s.OpportunityWriteSerializer, responses={201: s.OpportunitySerializer}),
    update=extend_schema(
        request=s.OpportunityWriteSerializer, responses={200: s.OpportunitySerializer, 409: s.RefusalSerializer}
    ),
    partial_update=extend_schema(
        request=s.OpportunityWriteSerializer, responses={200: s.OpportunitySerializer, 409: s.RefusalSerializer}
    ),
)
class OpportunityViewSet(
    FormWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.OpportunitySerializer
    read_serializer = s.OpportunitySerializer
    form_class = OpportunityForm

    def get_queryset(self):
        return Opportunity.objects.visible_to(self.request.user).prefetch_related("competitors").order_by("-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        now = timezone.now()
        filterset = OpportunityFilter(
            self.request.query_params,
            queryset=queryset.with_weighted().with_stale_flag(now),
            user=self.request.user,
            now=now,
            stages=active_stages(),
        )
        if not filterset.is_valid():
            raise _BadFilter(filterset)
        return filterset.qs.order_by("-id")

    def form_kwargs(self, instance=None) -> dict:
        return {"user": self.request.user, "customer": instance.customer if instance else None}

    def set_elsewhere(self) -> dict:
        through_a_move = _(
            "The stage (and its probability) changes only through a move (POST …/move/), which checks the stage rules."
        )
        return {"stage": through_a_move, "probability": through_a_move}

    def create(self, request, *args, **kwargs):
        data = _form_data(request.data, form_class=OpportunityForm)
        customer_id = data.get("customer")
        try:
            customer = Customer.objects.visible_to(request.user).get(pk=int(customer_id))
        except (TypeError, ValueError, Customer.DoesNotExist):
            return Response({"customer": [_("Choose a customer you can see.")]}, status=status.HTTP_400_BAD_REQUEST)
        if not data.get("owner"):
            data["owner"] = str(request.user.pk)  # as the web form does
        form = OpportunityForm(data=data, user=request.user, customer=customer)
        refused = _refusal(
            request.data, form, self.read_serializer, accepted=("customer",), elsewhere=self.set_elsewhere()
        )
        if refused is not None:
            return refused
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "competitors")}
        with transaction.atomic():
            deal = Opportunity.open_new(by=request.user, customer=customer, **fields)
            deal.competitors.set(form.cleaned_data["competitors"])
        return self._respond(deal, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.MoveSerializer,
        responses={
            200: s.MoveResultSerializer,
            202: s.MoveResultSerializer,
            400: OpenApiResponse(description="Bad input"),
            409: s.RefusalSerializer,
        },
        description="Move the deal to a stage through the stage rules. A large deal whose only gap is the leader's "
        "approval files an approval request (202). Any other unmet requirement: 409 with the requirements in words.",
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        deal = self.get_object()
        form = MoveForm(data=_form_data(request.data, form_class=MoveForm))
        refused = _refusal(request.data, form, s.MoveSerializer)
        if refused is not None:
            return refused
        stage, loss_reason = form.cleaned_data["stage"], form.cleaned_data.get("loss_reason")
        try:
            result = deal.move_or_request_approval(
                stage, request.user, note=form.cleaned_data.get("note") or "", loss_reason=loss_reason, review=True
            )
        except StageMoveRefused as refusal:
            return Response(
                {"detail": _("The stage rules refuse this move."), "requirements": refusal.reasons},
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as refusal:
            return Response(
                {"detail": _("The stage rules refuse this move."), "requirements": list(refusal.messages)},
                status=status.HTTP_409_CONFLICT,
            )
        deal = self.get_queryset().get(pk=deal.pk)
        body = {"opportunity": s.OpportunitySerializer(deal).data}
        if isinstance(result, ApprovalRequest):
            return Response({"result": "approval_requested", **body}, status=status.HTTP_202_ACCEPTED)
        return Response({"result": "moved", **body})


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CustomerSerializer

    def get_queryset(self):
        return Customer.objects.visible_to(self.request.user).order_by("-id")


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ContactSerializer

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).order_by("-id")


@extend_schema_view(create=extend_schema(request=s.FollowUpWriteSerializer, responses={201: s.FollowUpSerializer}))
class FollowUpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Follow-ups, logged through `Activity.log` (which moves the record's last activity and
    next follow-up, and ends a stale episode)."""

    serializer_class = s.FollowUpSerializer

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user).order_by("-id")

    def create(self, request, *args, **kwargs):
        data = _form_data(request.data, form_class=FollowUpForm)
        target: dict = {}
        for name, model in (("opportunity", Opportunity), ("lead", Lead)):
            value = data.get(name)
            if value in (None, ""):
                continue
            try:
                target[name] = get_object_or_404(model.objects.visible_to(request.user), pk=int(value))
            except (TypeError, ValueError):
                return Response({name: [_("Send the id of a record you can see.")]}, status=400)
        if len(target) != 1:
            return Response(
                {"non_field_errors": [_("A follow-up belongs to exactly one lead or opportunity.")]}, status=400
            )
        form = FollowUpForm(data=data)
        refused = _refusal(request.data, form, s.FollowUpSerializer, accepted=("opportunity", "lead"))
        if refused is not None:
            return refused
        try:
            activity = form.log(by=request.user, **target)
        except DjangoValidationError as refusal:
            detail = refusal.message_dict if hasattr(refusal, "error_dict") else {"non_field_errors": refusal.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.FollowUpSerializer(activity).data, status=status.HTTP_201_CREATED)


class StageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.StageSerializer
    queryset = Stage.objects.all().order_by("order")
    pagination_class = None


class LossReasonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LossReasonSerializer
    queryset = LossReason.objects.all().order_by("order", "pk")
    pagination_class = None


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user).order_by("-id")

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = self.get_object()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        return Response(s.NotificationSerializer(self.get_queryset().get(pk=notification.pk)).data)


class _BadFilter(DRFValidationError):
    def __init__(self, filterset):
        super().__init__(detail={k: [str(e) for e in v] for k, v in filterset.errors.items()})
