"""The drivers' app's forms: they check input and name the field at fault; services write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gnb.fleet.models import Trip

T = Trip.Status
STEP_CHOICES = [(s, label) for s, label in T.choices if s not in (T.ASSIGNED, T.RELEASED)]
MAX_PHOTO_BYTES = 8 * 1024 * 1024


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, max_length=200, widget=forms.PasswordInput)


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class _KeyedForm(forms.Form):
    # A uuid4 rendered into the page: the same press sent twice carries the same key.
    key = forms.RegexField(
        regex=r"^[A-Za-z0-9._:-]{8,64}$",
        error_messages={"invalid": _("The form's key is missing or malformed; reload the page.")},
    )


class StatusForm(_KeyedForm):
    status = forms.ChoiceField(choices=STEP_CHOICES)
    expected_status = forms.ChoiceField(choices=[("", ""), *T.choices], required=False)
    reason = forms.CharField(max_length=500, required=False)
    latitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = forms.DecimalField(
        required=False, max_digits=10, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    accuracy_m = forms.IntegerField(required=False, min_value=0, max_value=100000)
    photo = forms.ImageField(required=False)

    def clean_latitude(self):
        return _rounded(self.cleaned_data.get("latitude"))

    def clean_longitude(self):
        return _rounded(self.cleaned_data.get("longitude"))

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo is not None and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is too large (at most 8 MB)."))
        return photo

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("status") == T.NO_SHOW and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say what happened (how long you waited, where)."))
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("Send both latitude and longitude, or neither."))
        return cleaned

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {"status": data["status"], "expected_status": data.get("expected_status") or ""}
        if data.get("reason"):
            payload["reason"] = data["reason"].strip()
        if data.get("latitude") is not None and data.get("longitude") is not None:
            payload |= {"latitude": str(data["latitude"]), "longitude": str(data["longitude"])}
            if data.get("accuracy_m") is not None:
                payload["accuracy_m"] = data["accuracy_m"]
        if data.get("photo") is not None:
            payload["photo"] = data["photo"].name[:100]
        return payload


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.000001"))


class CashForm(_KeyedForm):
    booking = forms.CharField(max_length=20)
    amount = forms.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
