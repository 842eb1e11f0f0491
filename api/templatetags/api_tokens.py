from django import template

from ..models import ApiToken
from ..tokens import TokenForm

register = template.Library()


@register.inclusion_tag("api/_tokens.html")
def api_tokens_panel(user):
    return {"tokens": ApiToken.objects.filter(user=user)[:50], "form": TokenForm()}
