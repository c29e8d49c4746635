"""``{% load operator %}{% operator_contact as reach %}``: the operator's phone and WhatsApp (gnb/core/contact.py)
in any template, page or email, without every view passing them."""

from __future__ import annotations

from django import template

from gnb.core.contact import OperatorContact, operator_contact

register = template.Library()


@register.simple_tag(name="operator_contact")
def operator_contact_tag() -> OperatorContact:
    return operator_contact()
