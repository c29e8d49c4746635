"""``{% plain_result_list cl %}``: Django's ``{% result_list cl %}``, each column resolved once (core.admin_rows)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from gnb.core import admin_rows

register = template.Library()


@register.tag(name="plain_result_list")
def plain_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=admin_rows.result_list, template_name="change_list_results.html", takes_context=False
    )
