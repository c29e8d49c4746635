"""Forms of the customer account pages. Password rules are the project's validators (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.accounts.models import SavedPassenger
from gnb.core.forms import DomainErrorsFormMixin


def _email_field(label=None) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


def _password_field(label, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = _email_field()
    password = _password_field(_("Password"), "new-password")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(password_validation.password_validators_help_texts())

    def clean(self):
        data = super().clean() or {}
        password = data.get("password")
        if password:
            first, _space, last = (data.get("name") or "").rpartition(" ")
            candidate = get_user_model()(email=data.get("email") or "", first_name=first, last_name=last)
            try:
                password_validation.validate_password(password, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class LoginForm(forms.Form):
    email = _email_field()
    password = _password_field(_("Password"), "current-password")


class EmailForm(forms.Form):
    email = _email_field()


class PasswordForm(forms.Form):
    """A new password, checked against the validators for this account."""

    new_password = _password_field(_("New password"), "new-password")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_password"].help_text = " ".join(password_validation.password_validators_help_texts())

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, user=self.user)
        return password


class CurrentPasswordMixin:
    """The account's current password, required before a sensitive change (ASVS V2.5.1)."""

    user: object

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]  # type: ignore[attr-defined]
        if not self.user.check_password(password):  # type: ignore[attr-defined]
            raise forms.ValidationError(_("This is not your current password."))
        return password


class PasswordChangeForm(CurrentPasswordMixin, PasswordForm):
    current_password = _password_field(_("Current password"), "current-password")
    field_order = ["current_password", "new_password"]


class EmailChangeForm(DomainErrorsFormMixin, CurrentPasswordMixin, forms.Form):
    email = _email_field(_("New email address"))
    current_password = _password_field(_("Current password"), "current-password")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class DeleteAccountForm(CurrentPasswordMixin, forms.Form):
    current_password = _password_field(_("Current password"), "current-password")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class SavedPassengerForm(DomainErrorsFormMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=60)
    last_name = forms.CharField(label=_("Last name"), max_length=60)
    category = forms.ChoiceField(label=_("Age group"), choices=SavedPassenger.Category.choices)
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        birth_year = self.fields["birth_year"]
        assert isinstance(birth_year, forms.IntegerField)
        this_year = timezone.localdate().year
        birth_year.max_value = this_year
        birth_year.widget.attrs["max"] = this_year
        birth_year.validators.append(MaxValueValidator(this_year))
