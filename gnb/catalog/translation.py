from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from gnb.catalog.models import Extra, Place, Season, Tour, TourPhoto, VehicleClass, Zone


@register(Zone)
class ZoneTranslation(TranslationOptions):
    fields = ("name",)


@register(Place)
class PlaceTranslation(TranslationOptions):
    fields = ("name",)


@register(VehicleClass)
class VehicleClassTranslation(TranslationOptions):
    fields = ("name", "description", "included")


@register(Season)
class SeasonTranslation(TranslationOptions):
    fields = ("name",)


@register(Extra)
class ExtraTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Tour)
class TourTranslation(TranslationOptions):
    fields = ("name", "summary", "description", "itinerary", "included")


@register(TourPhoto)
class TourPhotoTranslation(TranslationOptions):
    fields = ("alt",)


def translated_columns(field: str) -> tuple[str, ...]:
    """The per-language columns of a translated field, for ``only()``: listing them all means reading the field in
    any language (with its fallback to English) never triggers a deferred load."""
    return tuple(f"{field}_{code.replace('-', '_')}" for code, _name in settings.LANGUAGES)
