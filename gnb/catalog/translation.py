from modeltranslation.translator import TranslationOptions, register

from gnb.catalog.models import Extra, Place, Season, Tour, VehicleClass, Zone


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
