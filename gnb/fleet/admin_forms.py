"""Forms of the fleet's back office. The rules themselves live in :mod:`gnb.fleet.validators`, applied by the models'
``clean()``; these forms only make the fields comfortable to type."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from gnb.fleet.models import Driver, Vehicle


class LanguagesField(forms.CharField):
    """Language codes typed as ``tr, en, ru`` (commas or spaces), kept as the list the model stores."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("ISO 639-1 codes separated by commas, e.g. tr, en, ru."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(code) for code in value)
        return value

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [part for part in re.split(r"[\s,;]+", text) if part]


class DriverAdminForm(forms.ModelForm):
    languages = LanguagesField(label=_("languages spoken"))

    class Meta:
        model = Driver
        fields = (
            "user",
            "first_name",
            "last_name",
            "phone",
            "languages",
            "is_active",
            "nationality",
            "identity_number",
            "sex",
            "licence_number",
            "licence_expires_on",
            "src_certificate_number",
            "src_expires_on",
            "psychotechnical_expires_on",
            "notes",
        )
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "nationality": forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
        }


class VehicleAdminForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = (
            "plate",
            "vehicle_class",
            "seats",
            "luggage",
            "is_active",
            "make",
            "model",
            "colour",
            "year",
            "home_zone",
            "insurance_expires_on",
            "inspection_expires_on",
            "route_permit_expires_on",
            "notes",
        )
        widgets = {"plate": forms.TextInput(attrs={"autocapitalize": "characters", "size": 12})}
