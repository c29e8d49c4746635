# ruff: noqa: E501
"""Demo data for ``manage.py load_demo``: a believable transfer and day-tour operator on the Antalya coast.

Plain structures only; the command decides how they reach the database. Prices are in EUR (the base
currency). Catalogue texts are given per language code, in all nine languages of the site (the
section "the other languages" completes the dicts).
Coordinates are decimal degrees (WGS 84) as strings, so they reach the database without float rounding.
"""

from __future__ import annotations

from typing import TypedDict

TIME_ZONE = "Europe/Istanbul"

# --- zones ------------------------------------------------------------------------------------------------
# code → names. Airport zones first; every airport zone has a fare to every resort zone.
AIRPORT_ZONES: dict[str, dict[str, str]] = {
    "antalya-airport": {
        "en": "Antalya Airport",
        "tr": "Antalya Havalimanı",
        "de": "Flughafen Antalya",
        "ru": "Аэропорт Анталии",
    },
    "gazipasa-airport": {
        "en": "Gazipaşa-Alanya Airport",
        "tr": "Gazipaşa-Alanya Havalimanı",
        "de": "Flughafen Gazipaşa-Alanya",
        "ru": "Аэропорт Газипаша-Аланья",
    },
}

RESORT_ZONES: dict[str, dict[str, str]] = {
    "antalya-city": {
        "en": "Antalya City Centre & Konyaaltı",
        "tr": "Antalya Merkez ve Konyaaltı",
        "de": "Antalya Stadtzentrum & Konyaaltı",
        "ru": "Центр Анталии и Коньяалты",
    },
    "lara": {"en": "Lara & Kundu", "tr": "Lara ve Kundu", "de": "Lara & Kundu", "ru": "Лара и Кунду"},
    "belek": {"en": "Belek", "tr": "Belek", "de": "Belek", "ru": "Белек"},
    "side": {"en": "Side & Manavgat", "tr": "Side ve Manavgat", "de": "Side & Manavgat", "ru": "Сиде и Манавгат"},
    "alanya": {
        "en": "Alanya, Okurcalar & Mahmutlar",
        "tr": "Alanya, Okurcalar ve Mahmutlar",
        "de": "Alanya, Okurcalar & Mahmutlar",
        "ru": "Аланья, Окурджалар и Махмутлар",
    },
    "kemer": {
        "en": "Kemer, Beldibi & Tekirova",
        "tr": "Kemer, Beldibi ve Tekirova",
        "de": "Kemer, Beldibi & Tekirova",
        "ru": "Кемер, Бельдиби и Текирова",
    },
    "kas-kalkan": {"en": "Kaş & Kalkan", "tr": "Kaş ve Kalkan", "de": "Kaş & Kalkan", "ru": "Каш и Калкан"},
}

# --- places -----------------------------------------------------------------------------------------------
# Airports: slug, IATA code, zone, English name, Turkish name, latitude, longitude, address.
AIRPORTS: list[tuple[str, str, str, str, str, str, str, str]] = [
    (
        "ayt",
        "AYT",
        "antalya-airport",
        "Antalya Airport",
        "Antalya Havalimanı",
        "36.898700",
        "30.800500",
        "Yenigöl, Muratpaşa, Antalya",
    ),
    (
        "gzp",
        "GZP",
        "gazipasa-airport",
        "Gazipaşa-Alanya Airport",
        "Gazipaşa-Alanya Havalimanı",
        "36.299300",
        "32.300600",
        "Gazipaşa, Antalya",
    ),
]

# Hotels and districts: slug, kind, zone, English name, Turkish name, latitude, longitude, area, popular.
# One row per place reads best as a table, so this block is left unformatted.
# fmt: off
PLACES: list[tuple[str, str, str, str, str, str, str, str, bool]] = [
    # Antalya city centre and Konyaaltı
    ("kaleici", "district", "antalya-city", "Kaleiçi (Old Town)", "Kaleiçi", "36.884100", "30.705600", "Muratpaşa", True),
    ("konyaalti-beach", "district", "antalya-city", "Konyaaltı Beach", "Konyaaltı Plajı", "36.863000", "30.635000", "Konyaaltı", True),
    ("rixos-downtown-antalya", "hotel", "antalya-city", "Rixos Downtown Antalya", "Rixos Downtown Antalya", "36.872400", "30.664900", "Konyaaltı", False),
    ("sheraton-voyager-antalya", "hotel", "antalya-city", "Sheraton Voyager Antalya", "Sheraton Voyager Antalya", "36.877900", "30.670300", "Muratpaşa", False),
    ("ramada-plaza-antalya", "hotel", "antalya-city", "Ramada Plaza Antalya", "Ramada Plaza Antalya", "36.882600", "30.692000", "Muratpaşa", False),
    ("akra-hotel", "hotel", "antalya-city", "Akra Hotel", "Akra Otel", "36.875700", "30.733500", "Şirinyalı, Muratpaşa", False),
    # Lara and Kundu
    ("lara-beach", "district", "lara", "Lara Beach", "Lara Plajı", "36.852000", "30.815000", "Muratpaşa", False),
    ("titanic-beach-lara", "hotel", "lara", "Titanic Beach Lara", "Titanic Beach Lara", "36.858800", "30.889300", "Kundu, Aksu", True),
    ("delphin-palace", "hotel", "lara", "Delphin Palace", "Delphin Palace", "36.857500", "30.895000", "Kundu, Aksu", True),
    ("royal-holiday-palace", "hotel", "lara", "Royal Holiday Palace", "Royal Holiday Palace", "36.855300", "30.876200", "Kundu, Aksu", False),
    ("concorde-de-luxe-resort", "hotel", "lara", "Concorde De Luxe Resort", "Concorde De Luxe Resort", "36.858100", "30.903000", "Kundu, Aksu", False),
    ("lara-barut-collection", "hotel", "lara", "Lara Barut Collection", "Lara Barut Collection", "36.851600", "30.830500", "Güzeloba, Muratpaşa", False),
    ("miracle-resort", "hotel", "lara", "Miracle Resort Hotel", "Miracle Resort Otel", "36.859200", "30.882600", "Kundu, Aksu", False),
    ("delphin-be-grand", "hotel", "lara", "Delphin Be Grand Resort", "Delphin Be Grand Resort", "36.860100", "30.910200", "Kundu, Aksu", False),
    # Belek
    ("belek-centre", "district", "belek", "Belek centre", "Belek Merkez", "36.862000", "31.055000", "Serik", False),
    ("regnum-carya", "hotel", "belek", "Regnum Carya", "Regnum Carya", "36.846000", "31.066000", "Kadriye, Serik", True),
    ("rixos-premium-belek", "hotel", "belek", "Rixos Premium Belek", "Rixos Premium Belek", "36.849700", "31.036400", "İleribaşı, Serik", True),
    ("maxx-royal-belek", "hotel", "belek", "Maxx Royal Belek Golf Resort", "Maxx Royal Belek Golf Resort", "36.847000", "31.044000", "İleribaşı, Serik", True),
    ("gloria-serenity-resort", "hotel", "belek", "Gloria Serenity Resort", "Gloria Serenity Resort", "36.853000", "31.025000", "Acısu, Serik", False),
    ("calista-luxury-resort", "hotel", "belek", "Calista Luxury Resort", "Calista Luxury Resort", "36.845500", "31.061500", "Kadriye, Serik", False),
    ("susesi-luxury-resort", "hotel", "belek", "Susesi Luxury Resort", "Susesi Luxury Resort", "36.842000", "31.090000", "Kadriye, Serik", False),
    ("cornelia-diamond", "hotel", "belek", "Cornelia Diamond Golf Resort", "Cornelia Diamond Golf Resort", "36.836000", "31.113000", "Belek, Serik", False),
    ("kaya-palazzo-belek", "hotel", "belek", "Kaya Palazzo Golf Resort", "Kaya Palazzo Golf Resort", "36.844000", "31.073000", "Kadriye, Serik", False),
    ("titanic-deluxe-belek", "hotel", "belek", "Titanic Deluxe Golf Belek", "Titanic Deluxe Golf Belek", "36.838500", "31.104000", "Belek, Serik", False),
    ("voyage-belek", "hotel", "belek", "Voyage Belek Golf & Spa", "Voyage Belek Golf & Spa", "36.851500", "31.031000", "İleribaşı, Serik", False),
    ("ela-excellence-belek", "hotel", "belek", "Ela Excellence Resort Belek", "Ela Excellence Resort Belek", "36.840500", "31.096000", "Kadriye, Serik", False),
    # Side and Manavgat
    ("side-old-town", "district", "side", "Side Old Town", "Side Antik Kenti", "36.767600", "31.389600", "Manavgat", True),
    ("manavgat-centre", "district", "side", "Manavgat centre", "Manavgat Merkez", "36.786700", "31.443400", "Manavgat", False),
    ("barut-hemera", "hotel", "side", "Barut Hemera", "Barut Hemera", "36.771200", "31.397500", "Side, Manavgat", False),
    ("ali-bey-resort-sorgun", "hotel", "side", "Ali Bey Resort Sorgun", "Ali Bey Resort Sorgun", "36.774500", "31.425000", "Sorgun, Manavgat", True),
    ("kamelya-selin", "hotel", "side", "Kamelya Selin Hotel", "Kamelya Selin Otel", "36.815000", "31.326000", "Çolaklı, Manavgat", False),
    ("seven-seas-life", "hotel", "side", "Seven Seas Hotel Life", "Seven Seas Hotel Life", "36.758500", "31.476000", "Titreyengöl, Manavgat", False),
    ("crystal-sunrise-queen", "hotel", "side", "Crystal Sunrise Queen Luxury Resort", "Crystal Sunrise Queen Luxury Resort", "36.742000", "31.565000", "Kızılağaç, Manavgat", False),
    ("sunis-kumkoy-beach", "hotel", "side", "Sunis Kumköy Beach Resort", "Sunis Kumköy Beach Resort", "36.782000", "31.378000", "Kumköy, Manavgat", False),
    # Alanya, Okurcalar and Mahmutlar
    ("alanya-centre", "district", "alanya", "Alanya centre", "Alanya Merkez", "36.543700", "31.999800", "Alanya", True),
    ("cleopatra-beach", "district", "alanya", "Cleopatra Beach", "Kleopatra Plajı", "36.549500", "31.981000", "Alanya", False),
    ("mahmutlar", "district", "alanya", "Mahmutlar", "Mahmutlar", "36.492000", "32.094000", "Alanya", False),
    ("delphin-deluxe-resort", "hotel", "alanya", "Delphin Deluxe Resort", "Delphin Deluxe Resort", "36.669000", "31.686000", "Okurcalar, Alanya", False),
    ("justiniano-deluxe-resort", "hotel", "alanya", "Justiniano Deluxe Resort", "Justiniano Deluxe Resort", "36.664500", "31.695500", "Okurcalar, Alanya", False),
    ("granada-luxury-beach", "hotel", "alanya", "Granada Luxury Beach", "Granada Luxury Beach", "36.624000", "31.765000", "Avsallar, Alanya", False),
    ("rubi-platinum", "hotel", "alanya", "Rubi Platinum Spa Resort", "Rubi Platinum Spa Resort", "36.615000", "31.777000", "Avsallar, Alanya", False),
    ("lonicera-world", "hotel", "alanya", "Lonicera World", "Lonicera World", "36.609000", "31.792000", "Türkler, Alanya", False),
    ("utopia-world", "hotel", "alanya", "Utopia World Hotel", "Utopia World Otel", "36.515000", "32.073000", "Kargıcak, Alanya", True),
    # Kemer, Beldibi and Tekirova
    ("kemer-centre", "district", "kemer", "Kemer centre", "Kemer Merkez", "36.598600", "30.559400", "Kemer", True),
    ("maxx-royal-kemer", "hotel", "kemer", "Maxx Royal Kemer Resort", "Maxx Royal Kemer Resort", "36.576000", "30.573000", "Kiriş, Kemer", True),
    ("rixos-premium-tekirova", "hotel", "kemer", "Rixos Premium Tekirova", "Rixos Premium Tekirova", "36.496500", "30.527500", "Tekirova, Kemer", False),
    ("rixos-sungate", "hotel", "kemer", "Rixos Sungate", "Rixos Sungate", "36.692000", "30.564000", "Beldibi, Kemer", True),
    ("akra-kemer", "hotel", "kemer", "Akra Kemer", "Akra Kemer", "36.620000", "30.561000", "Kemer", False),
    ("amara-dolce-vita", "hotel", "kemer", "Amara Dolce Vita", "Amara Dolce Vita", "36.501500", "30.528500", "Tekirova, Kemer", False),
    ("kimeros-park", "hotel", "kemer", "Kimeros Park Holiday Village", "Kimeros Park Tatil Köyü", "36.668000", "30.552000", "Göynük, Kemer", False),
    ("crystal-de-luxe-kemer", "hotel", "kemer", "Crystal De Luxe Resort & Spa", "Crystal De Luxe Resort & Spa", "36.565000", "30.567000", "Kiriş, Kemer", False),
    ("club-med-palmiye", "hotel", "kemer", "Club Med Palmiye", "Club Med Palmiye", "36.614000", "30.570000", "Kemer", False),
    # Kaş and Kalkan
    ("kas-centre", "district", "kas-kalkan", "Kaş centre", "Kaş Merkez", "36.201800", "29.637700", "Kaş", False),
    ("kalkan", "district", "kas-kalkan", "Kalkan", "Kalkan", "36.265200", "29.414000", "Kaş", False),
    ("club-patara-villas", "hotel", "kas-kalkan", "Club Patara Villas", "Club Patara Villas", "36.261000", "29.419000", "Kalkan, Kaş", False),
]
# fmt: on

# --- vehicle classes --------------------------------------------------------------------------------------
VEHICLE_CLASSES: list[dict] = [
    {
        "code": "sedan",
        "max_passengers": 3,
        "max_luggage": 3,
        "example_models": "Škoda Superb, Volkswagen Passat",
        "icon": "car",
        "name": {"en": "Sedan", "tr": "Sedan", "de": "Limousine", "ru": "Седан"},
        "description": {
            "en": "A comfortable private car for up to three passengers with a suitcase each.",
            "tr": "Her biri bir bavulla en fazla üç yolcu için konforlu özel araç.",
        },
        "included": {
            "en": "Private transfer, no shared stops\nFlight monitoring\n60 minutes free waiting at the airport\n"
            "Bottled water\nTolls and parking",
            "tr": "Özel transfer, paylaşımlı durak yok\nUçuş takibi\nHavalimanında 60 dakika ücretsiz bekleme\n"
            "Şişe su\nOtoyol ve otopark ücretleri",
        },
    },
    {
        "code": "minivan",
        "max_passengers": 7,
        "max_luggage": 7,
        "example_models": "Mercedes-Benz Vito, Volkswagen Transporter",
        "icon": "van",
        "name": {"en": "Minivan", "tr": "Minivan", "de": "Minivan", "ru": "Минивэн"},
        "description": {
            "en": "The family favourite: room for seven passengers and their luggage, sliding doors and air "
            "conditioning front and back.",
            "tr": "Ailelerin tercihi: yedi yolcu ve bagajları için yer, sürgülü kapılar, önde ve arkada klima.",
        },
        "included": {
            "en": "Private transfer, no shared stops\nFlight monitoring\n60 minutes free waiting at the airport\n"
            "Bottled water\nChild seats on request\nTolls and parking",
            "tr": "Özel transfer, paylaşımlı durak yok\nUçuş takibi\nHavalimanında 60 dakika ücretsiz bekleme\n"
            "Şişe su\nİsteğe bağlı çocuk koltuğu\nOtoyol ve otopark ücretleri",
        },
    },
    {
        "code": "vip-minivan",
        "max_passengers": 6,
        "max_luggage": 6,
        "example_models": "Mercedes-Benz Vito VIP, Mercedes-Benz V-Class",
        "icon": "van-vip",
        "name": {"en": "VIP Minivan", "tr": "VIP Minivan", "de": "VIP-Minivan", "ru": "VIP-минивэн"},
        "description": {
            "en": "Leather captain's chairs, tinted windows, Wi-Fi and a TV screen for up to six passengers.",
            "tr": "En fazla altı yolcu için deri kaptan koltukları, karartılmış camlar, Wi-Fi ve TV ekranı.",
        },
        "included": {
            "en": "Private transfer, no shared stops\nFlight monitoring\n90 minutes free waiting at the airport\n"
            "Wi-Fi on board\nCold drinks and refreshing towels\nTolls and parking",
            "tr": "Özel transfer, paylaşımlı durak yok\nUçuş takibi\nHavalimanında 90 dakika ücretsiz bekleme\n"
            "Araç içi Wi-Fi\nSoğuk içecekler ve ferahlatıcı mendiller\nOtoyol ve otopark ücretleri",
        },
    },
    {
        "code": "minibus",
        "max_passengers": 14,
        "max_luggage": 14,
        "example_models": "Mercedes-Benz Sprinter",
        "icon": "minibus",
        "name": {"en": "Minibus", "tr": "Minibüs", "de": "Kleinbus", "ru": "Микроавтобус"},
        "description": {
            "en": "For groups and large families: fourteen seats and a separate luggage compartment.",
            "tr": "Gruplar ve kalabalık aileler için: on dört koltuk ve ayrı bagaj bölümü.",
        },
        "included": {
            "en": "Private transfer, no shared stops\nFlight monitoring\n60 minutes free waiting at the airport\n"
            "Bottled water\nTolls and parking",
            "tr": "Özel transfer, paylaşımlı durak yok\nUçuş takibi\nHavalimanında 60 dakika ücretsiz bekleme\n"
            "Şişe su\nOtoyol ve otopark ücretleri",
        },
    },
    {
        "code": "midibus",
        "max_passengers": 27,
        "max_luggage": 27,
        "example_models": "Isuzu Novo, Otokar Sultan",
        "icon": "bus",
        "name": {"en": "Midibus", "tr": "Midibüs", "de": "Midibus", "ru": "Мидибус"},
        "description": {
            "en": "For wedding parties, sports teams and incentive groups of up to 27 passengers.",
            "tr": "En fazla 27 kişilik düğün grupları, spor takımları ve teşvik grupları için.",
        },
        "included": {
            "en": "Private transfer, no shared stops\nFlight monitoring\n60 minutes free waiting at the airport\n"
            "Microphone for your group leader\nTolls and parking",
            "tr": "Özel transfer, paylaşımlı durak yok\nUçuş takibi\nHavalimanında 60 dakika ücretsiz bekleme\n"
            "Grup lideriniz için mikrofon\nOtoyol ve otopark ücretleri",
        },
    },
]

# --- fares ------------------------------------------------------------------------------------------------
# Prices in EUR per vehicle, one way, in this order of vehicle classes. A fare applies in both directions.
FARE_CLASSES: tuple[str, ...] = ("sedan", "minivan", "vip-minivan", "minibus", "midibus")

AIRPORT_FARES: dict[tuple[str, str], tuple[int, int, int, int, int]] = {
    # Antalya Airport: Lara 15 km, city 15 km, Belek 35 km, Kemer 55 km, Side 65 km, Alanya 125 km, Kaş 190 km
    ("antalya-airport", "antalya-city"): (25, 30, 45, 55, 90),
    ("antalya-airport", "lara"): (25, 30, 45, 55, 90),
    ("antalya-airport", "belek"): (35, 40, 60, 70, 110),
    ("antalya-airport", "side"): (50, 60, 85, 95, 150),
    ("antalya-airport", "alanya"): (75, 85, 120, 135, 210),
    ("antalya-airport", "kemer"): (50, 60, 85, 95, 150),
    ("antalya-airport", "kas-kalkan"): (150, 170, 230, 260, 380),
    # Gazipaşa Airport sits 40 km east of Alanya: cheap to Alanya, long drives to everything west of it.
    ("gazipasa-airport", "alanya"): (35, 40, 60, 70, 110),
    ("gazipasa-airport", "side"): (80, 90, 125, 140, 220),
    ("gazipasa-airport", "belek"): (100, 115, 160, 180, 270),
    ("gazipasa-airport", "lara"): (115, 130, 180, 200, 300),
    ("gazipasa-airport", "antalya-city"): (120, 135, 185, 210, 310),
    ("gazipasa-airport", "kemer"): (150, 170, 230, 260, 380),
    ("gazipasa-airport", "kas-kalkan"): (260, 290, 380, 430, 620),
}

RESORT_FARES: dict[tuple[str, str], tuple[int, int, int, int, int]] = {
    ("antalya-city", "lara"): (20, 25, 40, 45, 75),
    ("antalya-city", "kemer"): (40, 50, 70, 80, 130),
    ("lara", "belek"): (30, 35, 55, 60, 100),
    ("belek", "side"): (35, 40, 60, 70, 110),
    ("belek", "kemer"): (70, 80, 110, 125, 200),
    ("side", "alanya"): (45, 55, 75, 85, 140),
}

# --- seasons ----------------------------------------------------------------------------------------------
# Loaded for the current and the next year. Where they overlap the later-starting one applies alone, so the
# peak percentage is the whole adjustment, not an addition to the summer one.
SEASONS: list[dict] = [
    {
        "starts": (6, 1),
        "ends": (9, 30),
        "percent": "20",
        "name": {"en": "Summer season", "tr": "Yaz sezonu", "de": "Sommersaison", "ru": "Летний сезон"},
    },
    {
        "starts": (7, 15),
        "ends": (8, 31),
        "percent": "30",
        "name": {"en": "Peak summer", "tr": "Yaz yoğun dönemi", "de": "Hochsaison", "ru": "Пик сезона"},
    },
]

# --- extras -----------------------------------------------------------------------------------------------
# for_party: whom one unit serves, which bounds how many a booking may take ("" = the booking as a whole);
# mark: the short sign for the extra in the back-office bookings list.
EXTRAS: list[dict] = [
    {
        "code": "child_seat",
        "price": "5.00",
        "pricing": "per_unit",
        "max_quantity": 3,
        "for_party": "children",
        "mark": "CS",
        "name": {"en": "Child seat", "tr": "Çocuk koltuğu", "de": "Kindersitz", "ru": "Детское кресло"},
        "description": {
            "en": "For children of about 1 to 4 years (9–18 kg).",
            "tr": "Yaklaşık 1–4 yaş arası çocuklar için (9–18 kg).",
        },
    },
    {
        "code": "baby_seat",
        "price": "5.00",
        "pricing": "per_unit",
        "max_quantity": 3,
        "for_party": "infants",
        "mark": "BS",
        "name": {"en": "Baby seat", "tr": "Bebek koltuğu", "de": "Babyschale", "ru": "Автолюлька"},
        "description": {
            "en": "Rear-facing, for babies up to about 15 months (0–13 kg).",
            "tr": "Arkaya bakan, yaklaşık 15 aylığa kadar bebekler için (0–13 kg).",
        },
    },
    {
        "code": "booster",
        "price": "4.00",
        "pricing": "per_unit",
        "max_quantity": 3,
        "for_party": "children",
        "mark": "BO",
        "name": {"en": "Booster seat", "tr": "Yükseltici koltuk", "de": "Sitzerhöhung", "ru": "Бустер"},
        "description": {
            "en": "For children of about 4 to 12 years (15–36 kg).",
            "tr": "Yaklaşık 4–12 yaş arası çocuklar için (15–36 kg).",
        },
    },
    {
        "code": "meet_greet",
        "price": "10.00",
        "pricing": "per_booking",
        "max_quantity": 1,
        # Every airport pickup already includes the driver at the arrivals exit with a name sign (the meeting
        # point the booking form and the emails describe); this extra sells what it adds to that.
        "for_party": "",
        "mark": "MG",
        "name": {
            "en": "Meet & greet with luggage help",
            "tr": "Karşılama ve bagaj yardımı",
            "de": "Empfang mit Gepäckhilfe",
            "ru": "Встреча с помощью с багажом",
        },
        "description": {
            "en": "A host joins your driver, carries your luggage to the car and helps with a local SIM card or a "
            "cash machine on the way out.",
            "tr": "Şoförünüze bir görevli eşlik eder; bagajlarınızı araca taşır, çıkışta yerel SIM kart veya ATM "
            "için yardımcı olur.",
        },
    },
    {
        "code": "vip_lounge",
        "price": "45.00",
        "pricing": "per_unit",
        "max_quantity": 8,
        "for_party": "passengers",
        "mark": "VIP",
        "name": {"en": "VIP lounge", "tr": "VIP salon", "de": "VIP-Lounge", "ru": "VIP-зал"},
        "description": {
            "en": "Per person: fast-track security and the airport VIP lounge before your flight home.",
            "tr": "Kişi başı: dönüş uçuşunuzdan önce hızlı güvenlik geçişi ve havalimanı VIP salonu.",
        },
    },
    {
        "code": "extra_stop",
        "price": "10.00",
        "pricing": "per_unit",
        "max_quantity": 3,
        "for_party": "",
        "mark": "ST",
        "name": {
            "en": "Extra stop",
            "tr": "Ek durak",
            "de": "Zusätzlicher Halt",
            "ru": "Дополнительная остановка",
        },
        "description": {
            "en": "A stop of up to 20 minutes on the way, e.g. at a supermarket or a pharmacy.",
            "tr": "Yol üzerinde en fazla 20 dakikalık mola, örneğin market ya da eczane için.",
        },
    },
]

# --- tours ------------------------------------------------------------------------------------------------
# Departures are generated for the next DEPARTURE_DAYS days on the listed weekdays (Monday = 0), at the
# local start time. Booking closes ``cutoff_hours`` before departure.
DEPARTURE_DAYS = 60
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

TOURS: list[dict] = [
    {
        "slug": "perge-aspendos-side",
        "sort_order": 10,
        "duration_minutes": 600,
        "adult_price": "55.00",
        "child_price": "30.00",
        "infant_price": "0.00",
        "cutoff_hours": 12,
        # Zone → minutes before the departure its hotels are collected: the coach starts with the farthest.
        "pickup_zones": {"side": 75, "belek": 50, "lara": 30, "antalya-city": 15},
        "weekdays": (1, 3, 5),
        "start_time": "08:00",
        "capacity": 27,
        "name": {
            "en": "Perge, Aspendos & Side",
            "tr": "Perge, Aspendos ve Side",
            "de": "Perge, Aspendos & Side",
            "ru": "Перге, Аспендос и Сиде",
        },
        "summary": {
            "en": "Three ancient cities in one day: the Roman theatre of Aspendos, the colonnaded street of Perge "
            "and the Temple of Apollo at Side.",
            "tr": "Tek günde üç antik kent: Aspendos'un Roma tiyatrosu, Perge'nin sütunlu caddesi ve Side'deki "
            "Apollon Tapınağı.",
        },
        "description": {
            "en": "A guided day across the Pamphylian plain. Walk the main street of Perge past its baths and "
            "agora, sit in the best-preserved Roman theatre in the world at Aspendos, where a whisper on the "
            "stage still carries to the top row, and end the day among the columns of the Temple of Apollo by "
            "the sea at Side, with free time around the old harbour.",
            "tr": "Pamfilya ovasında rehberli bir gün. Perge'nin hamamları ve agorası boyunca ana caddesinde "
            "yürüyün, sahnedeki bir fısıltının bugün bile en üst sıraya ulaştığı, dünyanın en iyi korunmuş "
            "Roma tiyatrosu Aspendos'ta oturun ve günü Side'de deniz kıyısındaki Apollon Tapınağı'nın "
            "sütunları arasında, eski liman çevresinde serbest zamanla tamamlayın.",
        },
        "itinerary": {
            "en": "Hotel pickup\nPerge: colonnaded street, baths and agora\nAspendos Roman theatre\n"
            "Lunch at a trout restaurant by the Köprüçay river\nSide: Temple of Apollo and free time in the "
            "old town\nReturn to your hotel",
            "tr": "Otelden alış\nPerge: sütunlu cadde, hamamlar ve agora\nAspendos Roma Tiyatrosu\n"
            "Köprüçay kıyısında alabalık restoranında öğle yemeği\nSide: Apollon Tapınağı ve eski kentte "
            "serbest zaman\nOtelinize dönüş",
        },
        "included": {
            "en": "Hotel pickup and drop-off\nLicensed guide (English, German, Russian)\nEntrance fees\n"
            "Lunch (drinks extra)\nAir-conditioned coach",
            "tr": "Otelden alış ve otele bırakış\nProfesyonel kokartlı rehber (İngilizce, Almanca, Rusça)\n"
            "Müze giriş ücretleri\nÖğle yemeği (içecekler hariç)\nKlimalı otobüs",
        },
    },
    {
        "slug": "pamukkale-hierapolis",
        "sort_order": 20,
        "duration_minutes": 960,
        "adult_price": "65.00",
        "child_price": "35.00",
        "infant_price": "0.00",
        "cutoff_hours": 24,
        "pickup_zones": {"alanya": 120, "kemer": 75, "side": 75, "belek": 50, "lara": 30, "antalya-city": 15},
        "weekdays": (0, 2, 4),
        "start_time": "05:30",
        "capacity": 40,
        "name": {
            "en": "Pamukkale & Hierapolis",
            "tr": "Pamukkale ve Hierapolis",
            "de": "Pamukkale & Hierapolis",
            "ru": "Памуккале и Иераполис",
        },
        "summary": {
            "en": "The white travertine terraces of Pamukkale, the ruins of Hierapolis and a swim in "
            "Cleopatra's Antique Pool.",
            "tr": "Pamukkale'nin beyaz traverten terasları, Hierapolis kalıntıları ve Kleopatra Antik Havuzu'nda "
            "yüzme.",
        },
        "description": {
            "en": "An early start for the drive over the Taurus mountains to Pamukkale. Walk barefoot on "
            "terraces of white calcium filled with warm spring water, explore the necropolis and theatre of "
            "Hierapolis, and bathe among fallen marble columns in the Antique Pool (ticket on site). "
            "Breakfast and lunch stops break the journey.",
            "tr": "Toros Dağları'nı aşarak Pamukkale'ye gitmek için erken çıkış. Sıcak kaynak suyuyla dolu "
            "beyaz kireç teraslarında çıplak ayakla yürüyün, Hierapolis'in nekropolünü ve tiyatrosunu gezin, "
            "devrik mermer sütunların arasında Antik Havuz'da yüzün (bilet yerinde alınır). Yolculuk kahvaltı "
            "ve öğle yemeği molalarıyla bölünür.",
        },
        "itinerary": {
            "en": "Early hotel pickup\nBreakfast stop on the way\nHierapolis necropolis and theatre\n"
            "Pamukkale travertine terraces\nLunch\nFree time at Cleopatra's Antique Pool\n"
            "Return to your hotel in the evening",
            "tr": "Otelden erken alış\nYolda kahvaltı molası\nHierapolis nekropolü ve tiyatrosu\n"
            "Pamukkale traverten terasları\nÖğle yemeği\nKleopatra Antik Havuzu'nda serbest zaman\n"
            "Akşam otelinize dönüş",
        },
        "included": {
            "en": "Hotel pickup and drop-off\nLicensed guide\nBreakfast and lunch\n"
            "Entrance to Pamukkale and Hierapolis\nAir-conditioned coach",
            "tr": "Otelden alış ve otele bırakış\nProfesyonel rehber\nKahvaltı ve öğle yemeği\n"
            "Pamukkale ve Hierapolis giriş ücreti\nKlimalı otobüs",
        },
    },
    {
        "slug": "antalya-city-waterfalls",
        "sort_order": 30,
        "duration_minutes": 480,
        "adult_price": "39.00",
        "child_price": "20.00",
        "infant_price": "0.00",
        "cutoff_hours": 12,
        "pickup_zones": {"kemer": 60, "belek": 45, "lara": 30, "antalya-city": 15},
        "weekdays": EVERY_DAY,
        "start_time": "09:00",
        "capacity": 20,
        "name": {
            "en": "Antalya City Tour & Waterfalls",
            "tr": "Antalya Şehir Turu ve Şelaleler",
            "de": "Antalya Stadtrundfahrt & Wasserfälle",
            "ru": "Обзорная экскурсия по Анталии и водопады",
        },
        "summary": {
            "en": "Kaleiçi old town, Hadrian's Gate, the Düden and Kurşunlu waterfalls and a boat ride along "
            "the cliffs.",
            "tr": "Kaleiçi, Hadrian Kapısı, Düden ve Kurşunlu şelaleleri ve falezler boyunca tekne gezisi.",
        },
        "description": {
            "en": "Antalya at an easy pace: the Upper Düden waterfall in its shady park, a walk through the "
            "lanes of Kaleiçi from Hadrian's Gate down to the Roman harbour, a 45-minute boat ride to watch "
            "the Lower Düden waterfall drop from the cliffs into the sea, and the Kurşunlu waterfall in its "
            "pine forest.",
            "tr": "Antalya'yı acele etmeden görün: gölgeli parkındaki Yukarı Düden Şelalesi, Hadrian "
            "Kapısı'ndan Roma limanına Kaleiçi'nin dar sokaklarında yürüyüş, Aşağı Düden Şelalesi'nin "
            "falezlerden denize döküldüğünü izlemek için 45 dakikalık tekne gezisi ve çam ormanı içindeki "
            "Kurşunlu Şelalesi.",
        },
        "itinerary": {
            "en": "Hotel pickup\nUpper Düden waterfall\nKaleiçi: Hadrian's Gate, Clock Tower, Yivli Minaret\n"
            "Lunch\nBoat ride from the old harbour to the Lower Düden waterfall\nKurşunlu waterfall\n"
            "Return to your hotel",
            "tr": "Otelden alış\nYukarı Düden Şelalesi\nKaleiçi: Hadrian Kapısı, Saat Kulesi, Yivli Minare\n"
            "Öğle yemeği\nEski limandan Aşağı Düden Şelalesi'ne tekne gezisi\nKurşunlu Şelalesi\n"
            "Otelinize dönüş",
        },
        "included": {
            "en": "Hotel pickup and drop-off\nGuide\nLunch\nBoat ride\nWaterfall entrance fees",
            "tr": "Otelden alış ve otele bırakış\nRehber\nÖğle yemeği\nTekne gezisi\nŞelale giriş ücretleri",
        },
    },
    {
        "slug": "taurus-jeep-safari",
        "sort_order": 40,
        "duration_minutes": 420,
        "adult_price": "35.00",
        "child_price": "20.00",
        "infant_price": "0.00",
        "cutoff_hours": 12,
        "pickup_zones": {"belek": 75, "lara": 60, "antalya-city": 40, "kemer": 15},
        "weekdays": EVERY_DAY,
        "start_time": "09:30",
        "capacity": 24,
        "name": {
            "en": "Taurus Mountains Jeep Safari",
            "tr": "Toros Dağları Jeep Safari",
            "de": "Jeep-Safari im Taurusgebirge",
            "ru": "Джип-сафари в горах Тавр",
        },
        "summary": {
            "en": "Open-top jeeps up forest tracks into the Taurus mountains: a village visit, a river crossing "
            "and lunch by a trout stream.",
            "tr": "Üstü açık ciplerle orman yollarından Toros Dağları'na: köy ziyareti, dereden geçiş ve "
            "alabalık deresi kenarında öğle yemeği.",
        },
        "description": {
            "en": "A convoy of open four-wheel-drive jeeps climbs from the coast on dirt tracks through pine and "
            "cedar forest. Stop in a mountain village to watch bread baked on a sac griddle, splash through "
            "the river, look down on the coast from a viewpoint above 1,000 m and have lunch beside a trout "
            "stream in the Ulupınar valley. Dress for dust and water.",
            "tr": "Üstü açık dört çeker ciplerden oluşan konvoy, çam ve sedir ormanları arasındaki toprak "
            "yollardan kıyıdan yukarı tırmanır. Sacda ekmek pişirilişini izlemek için bir dağ köyünde mola "
            "verin, dereden su sıçratarak geçin, 1.000 metrenin üzerindeki bir seyir noktasından kıyıya bakın "
            "ve Ulupınar vadisinde alabalık deresi kenarında öğle yemeği yiyin. Toza ve suya uygun giyinin.",
        },
        "itinerary": {
            "en": "Hotel pickup\nForest tracks into the Taurus mountains\nMountain village and gözleme tasting\n"
            "River crossing\nViewpoint above the coast\nLunch by the trout stream at Ulupınar\n"
            "Return to your hotel",
            "tr": "Otelden alış\nToros Dağları'na orman yolları\nDağ köyü ve gözleme tadımı\nDereden geçiş\n"
            "Kıyıya bakan seyir noktası\nUlupınar'da alabalık deresi kenarında öğle yemeği\nOtelinize dönüş",
        },
        "included": {
            "en": "Hotel pickup and drop-off\nJeep with driver-guide\nLunch\nGözleme tasting\nInsurance",
            "tr": "Otelden alış ve otele bırakış\nŞoför rehberli cip\nÖğle yemeği\nGözleme tadımı\nSigorta",
        },
    },
]


# --- the other languages ----------------------------------------------------------------------------------
# Every catalogue text above in German, Russian, Ukrainian, Polish, Dutch, French and Arabic, merged into the
# dicts above at import so each dict ends up with all nine languages. Brand names of hotels stay as they are
# in every language; places known to travellers by a local name in another alphabet get it (Анталья, أنطاليا).
OTHER_LANGUAGES: tuple[str, ...] = ("de", "ru", "uk", "pl", "nl", "fr", "ar")

_ZONE_NAMES: dict[str, dict[str, str]] = {
    "antalya-airport": {
        "uk": "Аеропорт Анталії",
        "pl": "Lotnisko Antalya",
        "nl": "Luchthaven Antalya",
        "fr": "Aéroport d'Antalya",
        "ar": "مطار أنطاليا",
    },
    "gazipasa-airport": {
        "uk": "Аеропорт Газіпаша-Аланія",
        "pl": "Lotnisko Gazipaşa-Alanya",
        "nl": "Luchthaven Gazipaşa-Alanya",
        "fr": "Aéroport de Gazipaşa-Alanya",
        "ar": "مطار غازي باشا - ألانيا",
    },
    "antalya-city": {
        "uk": "Центр Анталії та Коньяалти",
        "pl": "Centrum Antalyi i Konyaaltı",
        "nl": "Antalya centrum & Konyaaltı",
        "fr": "Centre d'Antalya et Konyaaltı",
        "ar": "وسط مدينة أنطاليا وكونيالتي",
    },
    "lara": {
        "uk": "Лара і Кунду",
        "pl": "Lara i Kundu",
        "nl": "Lara & Kundu",
        "fr": "Lara et Kundu",
        "ar": "لارا وكوندو",
    },
    "belek": {"uk": "Белек", "pl": "Belek", "nl": "Belek", "fr": "Belek", "ar": "بيليك"},
    "side": {
        "uk": "Сіде і Манавгат",
        "pl": "Side i Manavgat",
        "nl": "Side & Manavgat",
        "fr": "Side et Manavgat",
        "ar": "سيدا ومانافغات",
    },
    "alanya": {
        "uk": "Аланія, Окурджалар і Махмутлар",
        "pl": "Alanya, Okurcalar i Mahmutlar",
        "nl": "Alanya, Okurcalar & Mahmutlar",
        "fr": "Alanya, Okurcalar et Mahmutlar",
        "ar": "ألانيا وأوكورجالار ومحمودلار",
    },
    "kemer": {
        "uk": "Кемер, Бельдібі і Текірова",
        "pl": "Kemer, Beldibi i Tekirova",
        "nl": "Kemer, Beldibi & Tekirova",
        "fr": "Kemer, Beldibi et Tekirova",
        "ar": "كيمير وبلديبي وتكيروفا",
    },
    "kas-kalkan": {
        "uk": "Каш і Калкан",
        "pl": "Kaş i Kalkan",
        "nl": "Kaş & Kalkan",
        "fr": "Kaş et Kalkan",
        "ar": "كاش وكالكان",
    },
}

# Districts and airports; a hotel not listed keeps its brand name (the English one) in these languages.
PLACE_NAMES: dict[str, dict[str, str]] = {
    "kaleici": {
        "de": "Kaleiçi (Altstadt)",
        "ru": "Калеичи (Старый город)",
        "uk": "Калеїчі (Старе місто)",
        "pl": "Kaleiçi (Stare Miasto)",
        "nl": "Kaleiçi (oude stad)",
        "fr": "Kaleiçi (vieille ville)",
        "ar": "كاليتشي (البلدة القديمة)",
    },
    "konyaalti-beach": {
        "de": "Konyaaltı-Strand",
        "ru": "Пляж Коньяалты",
        "uk": "Пляж Коньяалти",
        "pl": "Plaża Konyaaltı",
        "nl": "Strand van Konyaaltı",
        "fr": "Plage de Konyaaltı",
        "ar": "شاطئ كونيالتي",
    },
    "lara-beach": {
        "de": "Lara-Strand",
        "ru": "Пляж Лара",
        "uk": "Пляж Лара",
        "pl": "Plaża Lara",
        "nl": "Strand van Lara",
        "fr": "Plage de Lara",
        "ar": "شاطئ لارا",
    },
    "belek-centre": {
        "de": "Belek Zentrum",
        "ru": "Центр Белека",
        "uk": "Центр Белека",
        "pl": "Centrum Beleku",
        "nl": "Belek centrum",
        "fr": "Centre de Belek",
        "ar": "وسط بيليك",
    },
    "side-old-town": {
        "de": "Altstadt von Side",
        "ru": "Старый город Сиде",
        "uk": "Старе місто Сіде",
        "pl": "Stare Miasto w Side",
        "nl": "Oude stad van Side",
        "fr": "Vieille ville de Side",
        "ar": "مدينة سيدا القديمة",
    },
    "manavgat-centre": {
        "de": "Manavgat Zentrum",
        "ru": "Центр Манавгата",
        "uk": "Центр Манавгата",
        "pl": "Centrum Manavgatu",
        "nl": "Manavgat centrum",
        "fr": "Centre de Manavgat",
        "ar": "وسط مانافغات",
    },
    "alanya-centre": {
        "de": "Alanya Zentrum",
        "ru": "Центр Аланьи",
        "uk": "Центр Аланії",
        "pl": "Centrum Alanyi",
        "nl": "Alanya centrum",
        "fr": "Centre d'Alanya",
        "ar": "وسط ألانيا",
    },
    "cleopatra-beach": {
        "de": "Kleopatra-Strand",
        "ru": "Пляж Клеопатры",
        "uk": "Пляж Клеопатри",
        "pl": "Plaża Kleopatry",
        "nl": "Cleopatrastrand",
        "fr": "Plage de Cléopâtre",
        "ar": "شاطئ كليوباترا",
    },
    "mahmutlar": {
        "de": "Mahmutlar",
        "ru": "Махмутлар",
        "uk": "Махмутлар",
        "pl": "Mahmutlar",
        "nl": "Mahmutlar",
        "fr": "Mahmutlar",
        "ar": "محمودلار",
    },
    "kemer-centre": {
        "de": "Kemer Zentrum",
        "ru": "Центр Кемера",
        "uk": "Центр Кемера",
        "pl": "Centrum Kemeru",
        "nl": "Kemer centrum",
        "fr": "Centre de Kemer",
        "ar": "وسط كيمير",
    },
    "kas-centre": {
        "de": "Kaş Zentrum",
        "ru": "Центр Каша",
        "uk": "Центр Каша",
        "pl": "Centrum Kaş",
        "nl": "Kaş centrum",
        "fr": "Centre de Kaş",
        "ar": "وسط كاش",
    },
    "kalkan": {
        "de": "Kalkan",
        "ru": "Калкан",
        "uk": "Калкан",
        "pl": "Kalkan",
        "nl": "Kalkan",
        "fr": "Kalkan",
        "ar": "كالكان",
    },
}

# Lines shared by several "included" and "itinerary" lists.
_LINES: dict[str, dict[str, str]] = {
    "private": {
        "de": "Privattransfer ohne Zwischenstopps für andere Gäste",
        "ru": "Индивидуальный трансфер без попутных остановок",
        "uk": "Індивідуальний трансфер без зупинок для інших пасажирів",
        "pl": "Transfer prywatny, bez wspólnych przystanków",
        "nl": "Privétransfer, geen gedeelde stops",
        "fr": "Transfert privé, sans arrêts partagés",
        "ar": "نقل خاص دون توقفات مشتركة",
    },
    "flight": {
        "de": "Flugüberwachung",
        "ru": "Отслеживание рейса",
        "uk": "Відстеження рейсу",
        "pl": "Monitorowanie lotu",
        "nl": "Vluchtbewaking",
        "fr": "Suivi du vol",
        "ar": "متابعة رحلتكم الجوية",
    },
    "wait60": {
        "de": "60 Minuten kostenlose Wartezeit am Flughafen",
        "ru": "60 минут бесплатного ожидания в аэропорту",
        "uk": "60 хвилин безкоштовного очікування в аеропорту",
        "pl": "60 minut bezpłatnego oczekiwania na lotnisku",
        "nl": "60 minuten gratis wachttijd op de luchthaven",
        "fr": "60 minutes d'attente gratuite à l'aéroport",
        "ar": "60 دقيقة انتظار مجاني في المطار",
    },
    "wait90": {
        "de": "90 Minuten kostenlose Wartezeit am Flughafen",
        "ru": "90 минут бесплатного ожидания в аэропорту",
        "uk": "90 хвилин безкоштовного очікування в аеропорту",
        "pl": "90 minut bezpłatnego oczekiwania na lotnisku",
        "nl": "90 minuten gratis wachttijd op de luchthaven",
        "fr": "90 minutes d'attente gratuite à l'aéroport",
        "ar": "90 دقيقة انتظار مجاني في المطار",
    },
    "water": {
        "de": "Wasser in Flaschen",
        "ru": "Бутилированная вода",
        "uk": "Бутильована вода",
        "pl": "Woda butelkowana",
        "nl": "Flesjes water",
        "fr": "Eau en bouteille",
        "ar": "مياه معبأة",
    },
    "tolls": {
        "de": "Maut- und Parkgebühren",
        "ru": "Платные дороги и парковка",
        "uk": "Платні дороги та паркування",
        "pl": "Opłaty drogowe i parkingowe",
        "nl": "Tol- en parkeerkosten",
        "fr": "Péages et stationnement",
        "ar": "رسوم الطرق والمواقف",
    },
    "child_seats": {
        "de": "Kindersitze auf Anfrage",
        "ru": "Детские кресла по запросу",
        "uk": "Дитячі крісла на запит",
        "pl": "Foteliki dziecięce na życzenie",
        "nl": "Kinderzitjes op aanvraag",
        "fr": "Sièges enfant sur demande",
        "ar": "مقاعد أطفال عند الطلب",
    },
    "wifi": {
        "de": "WLAN an Bord",
        "ru": "Wi-Fi в салоне",
        "uk": "Wi-Fi у салоні",
        "pl": "Wi-Fi na pokładzie",
        "nl": "Wifi aan boord",
        "fr": "Wi-Fi à bord",
        "ar": "واي فاي داخل السيارة",
    },
    "drinks": {
        "de": "Kalte Getränke und Erfrischungstücher",
        "ru": "Прохладительные напитки и освежающие салфетки",
        "uk": "Прохолодні напої та освіжні серветки",
        "pl": "Zimne napoje i chusteczki odświeżające",
        "nl": "Koude dranken en verfrissingsdoekjes",
        "fr": "Boissons fraîches et lingettes rafraîchissantes",
        "ar": "مشروبات باردة ومناديل منعشة",
    },
    "microphone": {
        "de": "Mikrofon für Ihre Gruppenleitung",
        "ru": "Микрофон для руководителя Вашей группы",
        "uk": "Мікрофон для керівника Вашої групи",
        "pl": "Mikrofon dla pilota Państwa grupy",
        "nl": "Microfoon voor uw groepsleider",
        "fr": "Micro pour votre responsable de groupe",
        "ar": "ميكروفون لقائد مجموعتكم",
    },
    "pickup": {
        "de": "Abholung am Hotel",
        "ru": "Трансфер из отеля",
        "uk": "Трансфер із готелю",
        "pl": "Odbiór z hotelu",
        "nl": "Ophalen bij uw hotel",
        "fr": "Prise en charge à l'hôtel",
        "ar": "الانطلاق من الفندق",
    },
    "return": {
        "de": "Rückfahrt zu Ihrem Hotel",
        "ru": "Возвращение в отель",
        "uk": "Повернення до готелю",
        "pl": "Powrót do hotelu",
        "nl": "Terugrit naar uw hotel",
        "fr": "Retour à votre hôtel",
        "ar": "العودة إلى فندقكم",
    },
    "lunch": {
        "de": "Mittagessen",
        "ru": "Обед",
        "uk": "Обід",
        "pl": "Obiad",
        "nl": "Lunch",
        "fr": "Déjeuner",
        "ar": "الغداء",
    },
    "pickup_dropoff": {
        "de": "Abholung am Hotel und Rückfahrt",
        "ru": "Трансфер из отеля и обратно",
        "uk": "Трансфер із готелю й назад",
        "pl": "Odbiór z hotelu i powrót do hotelu",
        "nl": "Ophalen en terugbrengen bij uw hotel",
        "fr": "Prise en charge et retour à l'hôtel",
        "ar": "النقل من الفندق وإليه",
    },
    "coach": {
        "de": "Klimatisierter Reisebus",
        "ru": "Автобус с кондиционером",
        "uk": "Автобус із кондиціонером",
        "pl": "Klimatyzowany autokar",
        "nl": "Touringcar met airconditioning",
        "fr": "Autocar climatisé",
        "ar": "حافلة مكيفة",
    },
}


def _lines(*items: str | dict[str, str]) -> dict[str, str]:
    """One text per language from shared line keys and one-off ``{language: line}`` dicts, a line each."""
    rows = [_LINES[item] if isinstance(item, str) else item for item in items]
    return {language: "\n".join(row[language] for row in rows) for language in OTHER_LANGUAGES}


_VEHICLE_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "sedan": {
        "name": {"uk": "Седан", "pl": "Sedan", "nl": "Sedan", "fr": "Berline", "ar": "سيدان"},
        "description": {
            "de": "Ein komfortabler Privatwagen für bis zu drei Fahrgäste mit je einem Koffer.",
            "ru": "Комфортный автомобиль для трёх пассажиров с чемоданом у каждого.",
            "uk": "Комфортний автомобіль для трьох пасажирів із валізою в кожного.",
            "pl": "Wygodny samochód prywatny dla maksymalnie trzech pasażerów z jedną walizką na osobę.",
            "nl": "Een comfortabele privéauto voor maximaal drie passagiers met elk een koffer.",
            "fr": "Une voiture privée confortable pour trois passagers au maximum, avec une valise chacun.",
            "ar": "سيارة خاصة مريحة تتسع لثلاثة ركاب كحد أقصى مع حقيبة لكل راكب.",
        },
        "included": _lines("private", "flight", "wait60", "water", "tolls"),
    },
    "minivan": {
        "name": {"uk": "Мінівен", "pl": "Minivan", "nl": "Minivan", "fr": "Minivan", "ar": "ميني فان"},
        "description": {
            "de": "Der Liebling der Familien: Platz für sieben Fahrgäste und ihr Gepäck, Schiebetüren und Klimaanlage vorne und hinten.",
            "ru": "Любимый выбор семей: места для семи пассажиров и их багажа, сдвижные двери и кондиционер спереди и сзади.",
            "uk": "Улюблений вибір родин: місце для семи пасажирів і їхнього багажу, розсувні двері та кондиціонер спереду й ззаду.",
            "pl": "Ulubiony wybór rodzin: miejsce dla siedmiu pasażerów i ich bagażu, drzwi przesuwne i klimatyzacja z przodu i z tyłu.",
            "nl": "De favoriet van gezinnen: ruimte voor zeven passagiers en hun bagage, schuifdeuren en airconditioning voor en achter.",
            "fr": "Le préféré des familles : de la place pour sept passagers et leurs bagages, des portes coulissantes et la climatisation à l'avant comme à l'arrière.",
            "ar": "الخيار المفضل للعائلات: مساحة لسبعة ركاب وأمتعتهم، وأبواب منزلقة، وتكييف في الأمام والخلف.",
        },
        "included": _lines("private", "flight", "wait60", "water", "child_seats", "tolls"),
    },
    "vip-minivan": {
        "name": {
            "uk": "VIP-мінівен",
            "pl": "Minivan VIP",
            "nl": "VIP-minivan",
            "fr": "Minivan VIP",
            "ar": "ميني فان VIP",
        },
        "description": {
            "de": "Ledersessel, getönte Scheiben, WLAN und ein Bildschirm für bis zu sechs Fahrgäste.",
            "ru": "Кожаные капитанские кресла, тонированные стёкла, Wi-Fi и телевизор — для компании до шести человек.",
            "uk": "Шкіряні капітанські крісла, тоновані вікна, Wi-Fi та телевізор — для компанії до шести осіб.",
            "pl": "Skórzane fotele kapitańskie, przyciemniane szyby, Wi-Fi i ekran telewizyjny dla maksymalnie sześciu pasażerów.",
            "nl": "Lederen captain's chairs, getinte ramen, wifi en een tv-scherm voor maximaal zes passagiers.",
            "fr": "Fauteuils capitaine en cuir, vitres teintées, Wi-Fi et écran TV pour six passagers au maximum.",
            "ar": "مقاعد جلدية فاخرة ونوافذ معتمة وواي فاي وشاشة تلفاز لستة ركاب كحد أقصى.",
        },
        "included": _lines("private", "flight", "wait90", "wifi", "drinks", "tolls"),
    },
    "minibus": {
        "name": {"uk": "Мікроавтобус", "pl": "Minibus", "nl": "Minibus", "fr": "Minibus", "ar": "ميني باص"},
        "description": {
            "de": "Für Gruppen und große Familien: vierzehn Sitze und ein separater Gepäckraum.",
            "ru": "Для групп и больших семей: четырнадцать мест и отдельный багажный отсек.",
            "uk": "Для груп і великих родин: чотирнадцять місць та окремий багажний відсік.",
            "pl": "Dla grup i dużych rodzin: czternaście miejsc i osobny bagażnik.",
            "nl": "Voor groepen en grote gezinnen: veertien zitplaatsen en een aparte bagageruimte.",
            "fr": "Pour les groupes et les grandes familles : quatorze places et un compartiment à bagages séparé.",
            "ar": "للمجموعات والعائلات الكبيرة: أربعة عشر مقعدًا ومقصورة أمتعة منفصلة.",
        },
        "included": _lines("private", "flight", "wait60", "water", "tolls"),
    },
    "midibus": {
        "name": {"uk": "Мідібус", "pl": "Midibus", "nl": "Midibus", "fr": "Midibus", "ar": "ميدي باص"},
        "description": {
            "de": "Für Hochzeitsgesellschaften, Sportmannschaften und Incentive-Gruppen mit bis zu 27 Fahrgästen.",
            "ru": "Для свадебных компаний, спортивных команд и инсентив-групп до 27 человек.",
            "uk": "Для весільних гостей, спортивних команд та інсентив-груп до 27 осіб.",
            "pl": "Dla gości weselnych, drużyn sportowych i grup incentive do 27 osób.",
            "nl": "Voor bruiloftsgezelschappen, sportteams en incentivegroepen tot 27 passagiers.",
            "fr": "Pour les mariages, les équipes sportives et les voyages de groupe jusqu'à 27 passagers.",
            "ar": "لحفلات الأعراس والفرق الرياضية ومجموعات الحوافز حتى 27 راكبًا.",
        },
        "included": _lines("private", "flight", "wait60", "microphone", "tolls"),
    },
}

_SEASON_NAMES: dict[str, dict[str, str]] = {
    "Summer season": {
        "uk": "Літній сезон",
        "pl": "Sezon letni",
        "nl": "Zomerseizoen",
        "fr": "Saison d'été",
        "ar": "موسم الصيف",
    },
    "Peak summer": {
        "uk": "Пік сезону",
        "pl": "Szczyt sezonu",
        "nl": "Hoogseizoen",
        "fr": "Haute saison",
        "ar": "ذروة الصيف",
    },
}

_EXTRA_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "child_seat": {
        "name": {
            "uk": "Дитяче крісло",
            "pl": "Fotelik dziecięcy",
            "nl": "Kinderzitje",
            "fr": "Siège enfant",
            "ar": "مقعد طفل",
        },
        "description": {
            "de": "Für Kinder von etwa 1 bis 4 Jahren (9–18 kg).",
            "ru": "Для детей примерно от 1 до 4 лет (9–18 кг).",
            "uk": "Для дітей приблизно від 1 до 4 років (9–18 кг).",
            "pl": "Dla dzieci w wieku ok. 1–4 lat (9–18 kg).",
            "nl": "Voor kinderen van ongeveer 1 tot 4 jaar (9–18 kg).",
            "fr": "Pour les enfants d'environ 1 à 4 ans (9 à 18 kg).",
            "ar": "للأطفال من عمر سنة إلى 4 سنوات تقريبًا (9–18 كغ).",
        },
    },
    "baby_seat": {
        "name": {
            "uk": "Автолюлька",
            "pl": "Fotelik dla niemowlęcia",
            "nl": "Babyzitje",
            "fr": "Siège bébé",
            "ar": "مقعد رضيع",
        },
        "description": {
            "de": "Entgegen der Fahrtrichtung, für Babys bis etwa 15 Monate (0–13 kg).",
            "ru": "Устанавливается против хода движения, для малышей примерно до 15 месяцев (0–13 кг).",
            "uk": "Встановлюється проти руху, для малюків приблизно до 15 місяців (0–13 кг).",
            "pl": "Montowany tyłem do kierunku jazdy, dla niemowląt do ok. 15 miesięcy (0–13 kg).",
            "nl": "Tegen de rijrichting in, voor baby's tot ongeveer 15 maanden (0–13 kg).",
            "fr": "Dos à la route, pour les bébés jusqu'à 15 mois environ (0 à 13 kg).",
            "ar": "يُثبَّت باتجاه الخلف، للرضع حتى عمر 15 شهرًا تقريبًا (0–13 كغ).",
        },
    },
    "booster": {
        "name": {
            "uk": "Бустер",
            "pl": "Podstawka podwyższająca",
            "nl": "Zittingverhoger",
            "fr": "Rehausseur",
            "ar": "مقعد رافع",
        },
        "description": {
            "de": "Für Kinder von etwa 4 bis 12 Jahren (15–36 kg).",
            "ru": "Для детей примерно от 4 до 12 лет (15–36 кг).",
            "uk": "Для дітей приблизно від 4 до 12 років (15–36 кг).",
            "pl": "Dla dzieci w wieku ok. 4–12 lat (15–36 kg).",
            "nl": "Voor kinderen van ongeveer 4 tot 12 jaar (15–36 kg).",
            "fr": "Pour les enfants d'environ 4 à 12 ans (15 à 36 kg).",
            "ar": "للأطفال من عمر 4 إلى 12 سنة تقريبًا (15–36 كغ).",
        },
    },
    "meet_greet": {
        "name": {
            "uk": "Зустріч із допомогою з багажем",
            "pl": "Powitanie z pomocą przy bagażu",
            "nl": "Meet & greet met bagagehulp",
            "fr": "Accueil avec aide aux bagages",
            "ar": "الاستقبال مع المساعدة في الأمتعة",
        },
        "description": {
            "de": "Ein Begleiter kommt zu Ihrem Fahrer hinzu, trägt Ihr Gepäck zum Auto und hilft beim Hinausgehen mit einer lokalen SIM-Karte oder einem Geldautomaten.",
            "ru": "Вместе с водителем Вас встретит помощник: донесёт багаж до машины и поможет с местной SIM-картой или банкоматом на выходе.",
            "uk": "Разом із водієм Вас зустріне помічник: донесе багаж до авто та допоможе з місцевою SIM-карткою або банкоматом на виході.",
            "pl": "Do kierowcy dołącza asystent: zanosi bagaż do samochodu i pomaga przy wyjściu z lokalną kartą SIM lub bankomatem.",
            "nl": "Een medewerker komt bij uw chauffeur, draagt uw bagage naar de auto en helpt bij de uitgang met een lokale simkaart of een geldautomaat.",
            "fr": "Un accompagnateur rejoint votre chauffeur, porte vos bagages jusqu'à la voiture et vous aide à la sortie pour une carte SIM locale ou un distributeur.",
            "ar": "ينضم مرافق إلى سائقكم، ويحمل أمتعتكم إلى السيارة، ويساعدكم عند الخروج في الحصول على شريحة SIM محلية أو استخدام جهاز صراف آلي.",
        },
    },
    "vip_lounge": {
        "name": {"uk": "VIP-зал", "pl": "Salonik VIP", "nl": "VIP-lounge", "fr": "Salon VIP", "ar": "صالة كبار الزوار"},
        "description": {
            "de": "Pro Person: Fast Track durch die Sicherheitskontrolle und die VIP-Lounge des Flughafens vor Ihrem Rückflug.",
            "ru": "За человека: ускоренный досмотр и VIP-зал аэропорта перед обратным рейсом.",
            "uk": "За особу: прискорений огляд і VIP-зал аеропорту перед зворотним рейсом.",
            "pl": "Za osobę: szybka ścieżka kontroli bezpieczeństwa i salonik VIP na lotnisku przed lotem powrotnym.",
            "nl": "Per persoon: fast track door de veiligheidscontrole en de VIP-lounge van de luchthaven vóór uw terugvlucht.",
            "fr": "Par personne : contrôle de sûreté coupe-file et salon VIP de l'aéroport avant votre vol retour.",
            "ar": "للشخص الواحد: مسار سريع عبر التفتيش الأمني وصالة كبار الزوار في المطار قبل رحلة عودتكم.",
        },
    },
    "extra_stop": {
        "name": {
            "uk": "Додаткова зупинка",
            "pl": "Dodatkowy przystanek",
            "nl": "Extra stop",
            "fr": "Arrêt supplémentaire",
            "ar": "توقف إضافي",
        },
        "description": {
            "de": "Ein Halt von bis zu 20 Minuten unterwegs, z. B. an einem Supermarkt oder einer Apotheke.",
            "ru": "Остановка в пути до 20 минут, например у супермаркета или аптеки.",
            "uk": "Зупинка в дорозі до 20 хвилин, наприклад біля супермаркету чи аптеки.",
            "pl": "Postój w trasie do 20 minut, np. przy supermarkecie lub aptece.",
            "nl": "Een stop van maximaal 20 minuten onderweg, bijvoorbeeld bij een supermarkt of apotheek.",
            "fr": "Un arrêt de 20 minutes maximum en chemin, par exemple dans un supermarché ou une pharmacie.",
            "ar": "توقف في الطريق لمدة أقصاها 20 دقيقة، مثلًا عند سوبرماركت أو صيدلية.",
        },
    },
}

_TOUR_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "perge-aspendos-side": {
        "name": {
            "uk": "Перге, Аспендос і Сіде",
            "pl": "Perge, Aspendos i Side",
            "nl": "Perge, Aspendos & Side",
            "fr": "Pergé, Aspendos et Side",
            "ar": "بيرغي وأسبندوس وسيدا",
        },
        "summary": {
            "de": "Drei antike Städte an einem Tag: das römische Theater von Aspendos, die Säulenstraße von Perge und der Apollontempel von Side.",
            "ru": "Три античных города за один день: римский театр Аспендоса, улица с колоннадой в Перге и храм Аполлона в Сиде.",
            "uk": "Три античні міста за один день: римський театр Аспендоса, вулиця з колонадою в Перге та храм Аполлона в Сіде.",
            "pl": "Trzy starożytne miasta w jeden dzień: rzymski teatr w Aspendos, kolumnowa ulica Perge i świątynia Apollina w Side.",
            "nl": "Drie antieke steden op één dag: het Romeinse theater van Aspendos, de zuilenstraat van Perge en de Apollotempel van Side.",
            "fr": "Trois cités antiques en une journée : le théâtre romain d'Aspendos, la rue à colonnades de Pergé et le temple d'Apollon à Side.",
            "ar": "ثلاث مدن أثرية في يوم واحد: المسرح الروماني في أسبندوس، والشارع ذو الأعمدة في بيرغي، ومعبد أبولو في سيدا.",
        },
        "description": {
            "de": "Ein Tag mit Reiseleiter durch die Ebene Pamphyliens. Sie gehen die Hauptstraße von Perge entlang, vorbei an Thermen und Agora, nehmen in Aspendos im besterhaltenen römischen Theater der Welt Platz, wo ein Flüstern auf der Bühne noch heute bis in die oberste Reihe trägt, und beschließen den Tag zwischen den Säulen des Apollontempels am Meer in Side, mit freier Zeit rund um den alten Hafen.",
            "ru": "День с гидом на Памфилийской равнине. Вы пройдёте по главной улице Перге мимо терм и агоры, посидите в Аспендосе в лучше всех сохранившемся римском театре мира, где шёпот со сцены и сегодня слышен в последнем ряду, и завершите день среди колонн храма Аполлона на берегу моря в Сиде, со свободным временем у старой гавани.",
            "uk": "День із гідом на Памфілійській рівнині. Ви пройдете головною вулицею Перге повз терми й агору, посидите в Аспендосі в найкраще збереженому римському театрі світу, де шепіт зі сцени й сьогодні чути в останньому ряду, і завершите день серед колон храму Аполлона на березі моря в Сіде, з вільним часом біля старої гавані.",
            "pl": "Dzień z przewodnikiem na równinie Pamfilii. Przejdą Państwo główną ulicą Perge obok term i agory, zasiądą w Aspendos w najlepiej zachowanym rzymskim teatrze świata, gdzie szept ze sceny wciąż słychać w najwyższym rzędzie, a dzień zakończą wśród kolumn świątyni Apollina nad morzem w Side, z czasem wolnym wokół starego portu.",
            "nl": "Een dag met gids over de vlakte van Pamphylië. U wandelt door de hoofdstraat van Perge langs de thermen en de agora, neemt in Aspendos plaats in het best bewaarde Romeinse theater ter wereld, waar een fluistering op het toneel nog altijd tot de bovenste rij draagt, en sluit de dag af tussen de zuilen van de Apollotempel aan zee in Side, met vrije tijd rond de oude haven.",
            "fr": "Une journée guidée à travers la plaine de Pamphylie. Vous parcourez la rue principale de Pergé le long de ses thermes et de son agora, vous prenez place à Aspendos dans le théâtre romain le mieux conservé au monde, où un murmure sur la scène porte encore jusqu'au dernier rang, et vous terminez la journée parmi les colonnes du temple d'Apollon, au bord de la mer à Side, avec du temps libre autour du vieux port.",
            "ar": "يوم برفقة مرشد سياحي في سهل بامفيليا. تتجولون في الشارع الرئيسي لمدينة بيرغي مرورًا بحماماتها وساحتها العامة، وتجلسون في أسبندوس في أفضل مسرح روماني محفوظ في العالم، حيث لا يزال الهمس على خشبة المسرح يصل إلى الصف الأعلى، وتختتمون اليوم بين أعمدة معبد أبولو على شاطئ البحر في سيدا مع وقت حر حول الميناء القديم.",
        },
        "itinerary": _lines(
            "pickup",
            {
                "de": "Perge: Säulenstraße, Thermen und Agora",
                "ru": "Перге: улица с колоннадой, термы и агора",
                "uk": "Перге: вулиця з колонадою, терми та агора",
                "pl": "Perge: ulica kolumnowa, termy i agora",
                "nl": "Perge: zuilenstraat, thermen en agora",
                "fr": "Pergé : rue à colonnades, thermes et agora",
                "ar": "بيرغي: الشارع ذو الأعمدة والحمامات والساحة العامة",
            },
            {
                "de": "Römisches Theater von Aspendos",
                "ru": "Римский театр Аспендоса",
                "uk": "Римський театр Аспендоса",
                "pl": "Rzymski teatr w Aspendos",
                "nl": "Romeins theater van Aspendos",
                "fr": "Théâtre romain d'Aspendos",
                "ar": "المسرح الروماني في أسبندوس",
            },
            {
                "de": "Mittagessen in einem Forellenrestaurant am Fluss Köprüçay",
                "ru": "Обед в форелевом ресторане на реке Кёпрючай",
                "uk": "Обід у форелевому ресторані на річці Кьопрючай",
                "pl": "Obiad w restauracji serwującej pstrągi nad rzeką Köprüçay",
                "nl": "Lunch in een forelrestaurant aan de rivier de Köprüçay",
                "fr": "Déjeuner dans un restaurant de truites au bord du Köprüçay",
                "ar": "الغداء في مطعم للسلمون المرقط على ضفاف نهر كوبرو تشاي",
            },
            {
                "de": "Side: Apollontempel und freie Zeit in der Altstadt",
                "ru": "Сиде: храм Аполлона и свободное время в старом городе",
                "uk": "Сіде: храм Аполлона та вільний час у старому місті",
                "pl": "Side: świątynia Apollina i czas wolny na starym mieście",
                "nl": "Side: Apollotempel en vrije tijd in de oude stad",
                "fr": "Side : temple d'Apollon et temps libre dans la vieille ville",
                "ar": "سيدا: معبد أبولو ووقت حر في البلدة القديمة",
            },
            "return",
        ),
        "included": _lines(
            "pickup_dropoff",
            {
                "de": "Staatlich geprüfter Reiseleiter (Englisch, Deutsch, Russisch)",
                "ru": "Лицензированный гид (английский, немецкий, русский)",
                "uk": "Ліцензований гід (англійська, німецька, російська)",
                "pl": "Licencjonowany przewodnik (angielski, niemiecki, rosyjski)",
                "nl": "Erkende gids (Engels, Duits, Russisch)",
                "fr": "Guide officiel (anglais, allemand, russe)",
                "ar": "مرشد سياحي مرخّص (الإنجليزية والألمانية والروسية)",
            },
            {
                "de": "Eintrittsgelder",
                "ru": "Входные билеты",
                "uk": "Вхідні квитки",
                "pl": "Bilety wstępu",
                "nl": "Entreegelden",
                "fr": "Droits d'entrée",
                "ar": "رسوم الدخول",
            },
            {
                "de": "Mittagessen (Getränke extra)",
                "ru": "Обед (напитки оплачиваются отдельно)",
                "uk": "Обід (напої оплачуються окремо)",
                "pl": "Obiad (napoje płatne osobno)",
                "nl": "Lunch (drankjes niet inbegrepen)",
                "fr": "Déjeuner (boissons en supplément)",
                "ar": "الغداء (المشروبات على حسابكم)",
            },
            "coach",
        ),
    },
    "pamukkale-hierapolis": {
        "name": {
            "uk": "Памуккале та Ієраполіс",
            "pl": "Pamukkale i Hierapolis",
            "nl": "Pamukkale & Hiërapolis",
            "fr": "Pamukkale et Hiérapolis",
            "ar": "باموكالي وهيرابوليس",
        },
        "summary": {
            "de": "Die weißen Kalksinterterrassen von Pamukkale, die Ruinen von Hierapolis und ein Bad im antiken Becken der Kleopatra.",
            "ru": "Белоснежные травертины Памуккале, руины Иераполиса и купание в античном бассейне Клеопатры.",
            "uk": "Білосніжні травертини Памуккале, руїни Ієраполіса та купання в античному басейні Клеопатри.",
            "pl": "Białe trawertynowe tarasy Pamukkale, ruiny Hierapolis i kąpiel w antycznym basenie Kleopatry.",
            "nl": "De witte travertijnterrassen van Pamukkale, de ruïnes van Hiërapolis en een duik in het antieke bad van Cleopatra.",
            "fr": "Les terrasses de travertin blanc de Pamukkale, les ruines de Hiérapolis et une baignade dans la piscine antique de Cléopâtre.",
            "ar": "مدرجات الترافرتين البيضاء في باموكالي، وأطلال هيرابوليس، والسباحة في مسبح كليوباترا الأثري.",
        },
        "description": {
            "de": "Früh am Morgen geht es über das Taurusgebirge nach Pamukkale. Sie gehen barfuß über weiße Kalkterrassen voller warmem Quellwasser, erkunden Nekropole und Theater von Hierapolis und baden im antiken Becken zwischen umgestürzten Marmorsäulen (Eintritt vor Ort). Frühstücks- und Mittagspausen unterbrechen die Fahrt.",
            "ru": "Ранний выезд — и дорога через горы Тавр в Памуккале. Вы пройдёте босиком по белым известковым террасам с тёплой термальной водой, осмотрите некрополь и театр Иераполиса и искупаетесь среди упавших мраморных колонн в античном бассейне (билет на месте). В пути — остановки на завтрак и обед.",
            "uk": "Ранній виїзд — і дорога через гори Тавр до Памуккале. Ви пройдете босоніж білими вапняковими терасами з теплою джерельною водою, оглянете некрополь і театр Ієраполіса та скупаєтеся серед повалених мармурових колон в античному басейні (квиток на місці). У дорозі — зупинки на сніданок і обід.",
            "pl": "Wczesny wyjazd i podróż przez góry Taurus do Pamukkale. Przejdą Państwo boso po białych wapiennych tarasach wypełnionych ciepłą wodą źródlaną, zwiedzą nekropolię i teatr Hierapolis oraz wykąpią się wśród przewróconych marmurowych kolumn w antycznym basenie (bilet na miejscu). Podróż przerywają postoje na śniadanie i obiad.",
            "nl": "Een vroeg vertrek voor de rit over het Taurusgebergte naar Pamukkale. U loopt op blote voeten over witte kalkterrassen vol warm bronwater, verkent de necropolis en het theater van Hiërapolis en zwemt tussen omgevallen marmeren zuilen in het antieke bad (ticket ter plaatse). Stops voor ontbijt en lunch onderbreken de reis.",
            "fr": "Départ matinal pour franchir les monts Taurus jusqu'à Pamukkale. Vous marchez pieds nus sur les terrasses de calcaire blanc remplies d'eau de source tiède, vous explorez la nécropole et le théâtre de Hiérapolis et vous vous baignez parmi des colonnes de marbre renversées dans la piscine antique (billet sur place). Des arrêts pour le petit-déjeuner et le déjeuner ponctuent le trajet.",
            "ar": "انطلاق مبكر عبر جبال طوروس إلى باموكالي. تمشون حفاة على مدرجات الكلس البيضاء المملوءة بمياه الينابيع الدافئة، وتستكشفون مقبرة هيرابوليس ومسرحها، وتسبحون بين أعمدة رخامية متساقطة في المسبح الأثري (التذكرة في الموقع). وتتخلل الرحلة استراحتان للإفطار والغداء.",
        },
        "itinerary": _lines(
            {
                "de": "Frühe Abholung am Hotel",
                "ru": "Ранний трансфер из отеля",
                "uk": "Ранній трансфер із готелю",
                "pl": "Wczesny odbiór z hotelu",
                "nl": "Vroeg ophalen bij uw hotel",
                "fr": "Prise en charge matinale à l'hôtel",
                "ar": "الانطلاق مبكرًا من الفندق",
            },
            {
                "de": "Frühstückspause unterwegs",
                "ru": "Остановка на завтрак в пути",
                "uk": "Зупинка на сніданок у дорозі",
                "pl": "Postój na śniadanie po drodze",
                "nl": "Ontbijtstop onderweg",
                "fr": "Arrêt petit-déjeuner en route",
                "ar": "استراحة للإفطار في الطريق",
            },
            {
                "de": "Nekropole und Theater von Hierapolis",
                "ru": "Некрополь и театр Иераполиса",
                "uk": "Некрополь і театр Ієраполіса",
                "pl": "Nekropolia i teatr Hierapolis",
                "nl": "Necropolis en theater van Hiërapolis",
                "fr": "Nécropole et théâtre de Hiérapolis",
                "ar": "مقبرة هيرابوليس ومسرحها",
            },
            {
                "de": "Kalksinterterrassen von Pamukkale",
                "ru": "Травертины Памуккале",
                "uk": "Травертини Памуккале",
                "pl": "Trawertynowe tarasy Pamukkale",
                "nl": "Travertijnterrassen van Pamukkale",
                "fr": "Terrasses de travertin de Pamukkale",
                "ar": "مدرجات الترافرتين في باموكالي",
            },
            "lunch",
            {
                "de": "Freie Zeit am antiken Becken der Kleopatra",
                "ru": "Свободное время у античного бассейна Клеопатры",
                "uk": "Вільний час біля античного басейну Клеопатри",
                "pl": "Czas wolny przy antycznym basenie Kleopatry",
                "nl": "Vrije tijd bij het antieke bad van Cleopatra",
                "fr": "Temps libre à la piscine antique de Cléopâtre",
                "ar": "وقت حر عند مسبح كليوباترا الأثري",
            },
            {
                "de": "Rückfahrt zu Ihrem Hotel am Abend",
                "ru": "Вечером возвращение в отель",
                "uk": "Увечері повернення до готелю",
                "pl": "Wieczorny powrót do hotelu",
                "nl": "'s Avonds terug naar uw hotel",
                "fr": "Retour à votre hôtel en soirée",
                "ar": "العودة إلى فندقكم مساءً",
            },
        ),
        "included": _lines(
            "pickup_dropoff",
            {
                "de": "Staatlich geprüfter Reiseleiter",
                "ru": "Лицензированный гид",
                "uk": "Ліцензований гід",
                "pl": "Licencjonowany przewodnik",
                "nl": "Erkende gids",
                "fr": "Guide officiel",
                "ar": "مرشد سياحي مرخّص",
            },
            {
                "de": "Frühstück und Mittagessen",
                "ru": "Завтрак и обед",
                "uk": "Сніданок і обід",
                "pl": "Śniadanie i obiad",
                "nl": "Ontbijt en lunch",
                "fr": "Petit-déjeuner et déjeuner",
                "ar": "الإفطار والغداء",
            },
            {
                "de": "Eintritt für Pamukkale und Hierapolis",
                "ru": "Вход в Памуккале и Иераполис",
                "uk": "Вхід до Памуккале та Ієраполіса",
                "pl": "Wstęp do Pamukkale i Hierapolis",
                "nl": "Entree voor Pamukkale en Hiërapolis",
                "fr": "Entrée à Pamukkale et Hiérapolis",
                "ar": "رسوم دخول باموكالي وهيرابوليس",
            },
            "coach",
        ),
    },
    "antalya-city-waterfalls": {
        "name": {
            "uk": "Оглядова екскурсія Анталією та водоспади",
            "pl": "Zwiedzanie Antalyi i wodospady",
            "nl": "Stadstour Antalya & watervallen",
            "fr": "Visite d'Antalya et cascades",
            "ar": "جولة في مدينة أنطاليا والشلالات",
        },
        "summary": {
            "de": "Die Altstadt Kaleiçi, das Hadrianstor, die Düden- und Kurşunlu-Wasserfälle und eine Bootsfahrt entlang der Steilküste.",
            "ru": "Старый город Калеичи, ворота Адриана, водопады Дюден и Куршунлу и прогулка на лодке вдоль скал.",
            "uk": "Старе місто Калеїчі, ворота Адріана, водоспади Дюден і Куршунлу та прогулянка човном уздовж скель.",
            "pl": "Stare miasto Kaleiçi, Brama Hadriana, wodospady Düden i Kurşunlu oraz rejs łodzią wzdłuż klifów.",
            "nl": "De oude stad Kaleiçi, de Poort van Hadrianus, de watervallen van Düden en Kurşunlu en een boottocht langs de kliffen.",
            "fr": "La vieille ville de Kaleiçi, la porte d'Hadrien, les cascades de Düden et de Kurşunlu et une promenade en bateau le long des falaises.",
            "ar": "البلدة القديمة كاليتشي، وبوابة هادريان، وشلالات دودن وكورشونلو، ورحلة بالقارب على طول المنحدرات الصخرية.",
        },
        "description": {
            "de": "Antalya in aller Ruhe: der Obere Düden-Wasserfall in seinem schattigen Park, ein Spaziergang durch die Gassen von Kaleiçi vom Hadrianstor hinunter zum römischen Hafen, eine 45-minütige Bootsfahrt zum Unteren Düden-Wasserfall, der von der Steilküste ins Meer stürzt, und der Kurşunlu-Wasserfall im Pinienwald.",
            "ru": "Анталья без спешки: Верхний Дюденский водопад в тенистом парке, прогулка по улочкам Калеичи от ворот Адриана к римской гавани, 45-минутная прогулка на лодке к Нижнему Дюденскому водопаду, который срывается со скал прямо в море, и водопад Куршунлу в сосновом лесу.",
            "uk": "Анталія без поспіху: Верхній Дюденський водоспад у тінистому парку, прогулянка вуличками Калеїчі від воріт Адріана до римської гавані, 45-хвилинна прогулянка човном до Нижнього Дюденського водоспаду, що падає зі скель просто в море, і водоспад Куршунлу в сосновому лісі.",
            "pl": "Antalya bez pośpiechu: Górny Wodospad Düden w cienistym parku, spacer uliczkami Kaleiçi od Bramy Hadriana w dół do rzymskiego portu, 45-minutowy rejs łodzią pod Dolny Wodospad Düden, który spada z klifów prosto do morza, oraz wodospad Kurşunlu w sosnowym lesie.",
            "nl": "Antalya in een rustig tempo: de Boven-Düdenwaterval in zijn schaduwrijke park, een wandeling door de straatjes van Kaleiçi van de Poort van Hadrianus naar de Romeinse haven, een boottocht van 45 minuten naar de Beneden-Düdenwaterval die van de kliffen in zee stort, en de Kurşunluwaterval in het dennenbos.",
            "fr": "Antalya en toute tranquillité : la cascade haute de Düden dans son parc ombragé, une promenade dans les ruelles de Kaleiçi, de la porte d'Hadrien jusqu'au port romain, 45 minutes de bateau pour voir la cascade basse de Düden plonger des falaises dans la mer, et la cascade de Kurşunlu au cœur d'une pinède.",
            "ar": "أنطاليا على مهل: شلال دودن العلوي في حديقته الظليلة، ونزهة في أزقة كاليتشي من بوابة هادريان نزولًا إلى الميناء الروماني، ورحلة بالقارب مدتها 45 دقيقة لمشاهدة شلال دودن السفلي وهو ينحدر من المنحدرات إلى البحر، وشلال كورشونلو وسط غابة الصنوبر.",
        },
        "itinerary": _lines(
            "pickup",
            {
                "de": "Oberer Düden-Wasserfall",
                "ru": "Верхний Дюденский водопад",
                "uk": "Верхній Дюденський водоспад",
                "pl": "Górny Wodospad Düden",
                "nl": "Boven-Düdenwaterval",
                "fr": "Cascade haute de Düden",
                "ar": "شلال دودن العلوي",
            },
            {
                "de": "Kaleiçi: Hadrianstor, Uhrturm, Yivli-Minarett",
                "ru": "Калеичи: ворота Адриана, часовая башня, минарет Йивли",
                "uk": "Калеїчі: ворота Адріана, годинникова вежа, мінарет Йівлі",
                "pl": "Kaleiçi: Brama Hadriana, wieża zegarowa, minaret Yivli",
                "nl": "Kaleiçi: Poort van Hadrianus, klokkentoren, Yivli-minaret",
                "fr": "Kaleiçi : porte d'Hadrien, tour de l'Horloge, minaret Yivli",
                "ar": "كاليتشي: بوابة هادريان وبرج الساعة ومئذنة يفلي",
            },
            "lunch",
            {
                "de": "Bootsfahrt vom alten Hafen zum Unteren Düden-Wasserfall",
                "ru": "Прогулка на лодке из старой гавани к Нижнему Дюденскому водопаду",
                "uk": "Прогулянка човном зі старої гавані до Нижнього Дюденського водоспаду",
                "pl": "Rejs łodzią ze starego portu pod Dolny Wodospad Düden",
                "nl": "Boottocht van de oude haven naar de Beneden-Düdenwaterval",
                "fr": "Promenade en bateau du vieux port à la cascade basse de Düden",
                "ar": "رحلة بالقارب من الميناء القديم إلى شلال دودن السفلي",
            },
            {
                "de": "Kurşunlu-Wasserfall",
                "ru": "Водопад Куршунлу",
                "uk": "Водоспад Куршунлу",
                "pl": "Wodospad Kurşunlu",
                "nl": "Kurşunluwaterval",
                "fr": "Cascade de Kurşunlu",
                "ar": "شلال كورشونلو",
            },
            "return",
        ),
        "included": _lines(
            "pickup_dropoff",
            {
                "de": "Reiseleiter",
                "ru": "Гид",
                "uk": "Гід",
                "pl": "Przewodnik",
                "nl": "Gids",
                "fr": "Guide",
                "ar": "مرشد سياحي",
            },
            "lunch",
            {
                "de": "Bootsfahrt",
                "ru": "Прогулка на лодке",
                "uk": "Прогулянка човном",
                "pl": "Rejs łodzią",
                "nl": "Boottocht",
                "fr": "Promenade en bateau",
                "ar": "رحلة بالقارب",
            },
            {
                "de": "Eintritt zu den Wasserfällen",
                "ru": "Вход к водопадам",
                "uk": "Вхід до водоспадів",
                "pl": "Wstęp do wodospadów",
                "nl": "Entree voor de watervallen",
                "fr": "Entrée aux cascades",
                "ar": "رسوم دخول الشلالات",
            },
        ),
    },
    "taurus-jeep-safari": {
        "name": {
            "uk": "Джип-сафарі в горах Тавр",
            "pl": "Jeep safari w górach Taurus",
            "nl": "Jeepsafari in het Taurusgebergte",
            "fr": "Safari en jeep dans les monts Taurus",
            "ar": "سفاري بسيارات الجيب في جبال طوروس",
        },
        "summary": {
            "de": "Mit offenen Jeeps über Waldpisten ins Taurusgebirge: Dorfbesuch, Flussdurchfahrt und Mittagessen an einem Forellenbach.",
            "ru": "На открытых джипах по лесным дорогам в горы Тавр: деревня, переправа через реку и обед у форелевого ручья.",
            "uk": "На відкритих джипах лісовими дорогами в гори Тавр: село, переправа через річку та обід біля форелевого струмка.",
            "pl": "Otwartymi jeepami leśnymi drogami w góry Taurus: wizyta w wiosce, przeprawa przez rzekę i obiad nad pstrągowym strumieniem.",
            "nl": "Met open jeeps over bospaden het Taurusgebergte in: een dorpsbezoek, een rivieroversteek en lunch aan een forelbeek.",
            "fr": "En jeep décapotable sur les pistes forestières des monts Taurus : visite d'un village, traversée de rivière et déjeuner au bord d'un torrent à truites.",
            "ar": "بسيارات جيب مكشوفة عبر دروب الغابات إلى جبال طوروس: زيارة قرية، وعبور نهر، وغداء بجانب جدول للسلمون المرقط.",
        },
        "description": {
            "de": "Ein Konvoi offener Allradjeeps fährt von der Küste auf Schotterpisten durch Pinien- und Zedernwald hinauf. Sie halten in einem Bergdorf und sehen zu, wie Brot auf dem Sac-Blech gebacken wird, fahren spritzend durch den Fluss, blicken von einem Aussichtspunkt über 1.000 m auf die Küste hinab und essen im Ulupınar-Tal an einem Forellenbach zu Mittag. Kleidung, die Staub und Wasser verträgt, ist ratsam.",
            "ru": "Колонна открытых полноприводных джипов поднимается от побережья по грунтовым дорогам через сосновый и кедровый лес. Вы заглянете в горную деревню, где пекут хлеб на садже, с брызгами пересечёте реку, посмотрите на побережье со смотровой площадки выше 1000 м и пообедаете у форелевого ручья в долине Улупынар. Одевайтесь так, чтобы не жалеть одежду: будут пыль и вода.",
            "uk": "Колона відкритих повнопривідних джипів піднімається від узбережжя ґрунтовими дорогами крізь сосновий і кедровий ліс. Ви завітаєте до гірського села, де печуть хліб на саджі, з бризками переїдете річку, подивитеся на узбережжя з оглядового майданчика вище 1000 м і пообідаєте біля форелевого струмка в долині Улупинар. Одягайтеся так, щоб не шкодувати одягу: будуть пил і вода.",
            "pl": "Konwój otwartych jeepów z napędem na cztery koła wspina się od wybrzeża szutrowymi drogami przez las sosnowy i cedrowy. Zatrzymają się Państwo w górskiej wiosce, by zobaczyć, jak wypieka się chleb na blasze sac, przejadą z pluskiem przez rzekę, spojrzą na wybrzeże z punktu widokowego powyżej 1000 m i zjedzą obiad nad pstrągowym strumieniem w dolinie Ulupınar. Prosimy ubrać się tak, by nie bać się kurzu i wody.",
            "nl": "Een konvooi open vierwielaangedreven jeeps klimt vanaf de kust over onverharde paden door dennen- en cederbos. U stopt in een bergdorp om te zien hoe brood op een sac-plaat wordt gebakken, rijdt spetterend door de rivier, kijkt vanaf een uitkijkpunt boven 1.000 m neer op de kust en luncht naast een forelbeek in het Ulupınardal. Trek kleding aan die tegen stof en water kan.",
            "fr": "Un convoi de jeeps 4x4 décapotables grimpe depuis la côte sur des pistes de terre à travers les forêts de pins et de cèdres. Vous vous arrêtez dans un village de montagne pour voir cuire le pain sur la plaque sac, traversez la rivière dans de grandes gerbes d'eau, contemplez la côte depuis un belvédère à plus de 1 000 m et déjeunez au bord d'un torrent à truites dans la vallée d'Ulupınar. Prévoyez une tenue qui ne craint ni la poussière ni l'eau.",
            "ar": "تصعد قافلة من سيارات الجيب المكشوفة رباعية الدفع من الساحل عبر طرق ترابية وسط غابات الصنوبر والأرز. تتوقفون في قرية جبلية لمشاهدة خبز الصاج وهو يُخبز، وتعبرون النهر وسط رذاذ الماء، وتطلون على الساحل من نقطة مشاهدة على ارتفاع يزيد على 1000 متر، وتتناولون الغداء بجانب جدول للسلمون المرقط في وادي أولوبينار. يُنصح بارتداء ملابس لا تخشى الغبار والماء.",
        },
        "itinerary": _lines(
            "pickup",
            {
                "de": "Auf Waldpisten ins Taurusgebirge",
                "ru": "По лесным дорогам в горы Тавр",
                "uk": "Лісовими дорогами в гори Тавр",
                "pl": "Leśnymi drogami w góry Taurus",
                "nl": "Over bospaden het Taurusgebergte in",
                "fr": "Pistes forestières vers les monts Taurus",
                "ar": "دروب الغابات نحو جبال طوروس",
            },
            {
                "de": "Bergdorf und Gözleme-Verkostung",
                "ru": "Горная деревня и дегустация гёзлеме",
                "uk": "Гірське село та дегустація гьозлеме",
                "pl": "Górska wioska i degustacja gözleme",
                "nl": "Bergdorp en gözleme proeven",
                "fr": "Village de montagne et dégustation de gözleme",
                "ar": "قرية جبلية وتذوق الغوزلمة",
            },
            {
                "de": "Flussdurchfahrt",
                "ru": "Переправа через реку",
                "uk": "Переправа через річку",
                "pl": "Przeprawa przez rzekę",
                "nl": "Rivieroversteek",
                "fr": "Traversée de la rivière",
                "ar": "عبور النهر",
            },
            {
                "de": "Aussichtspunkt über der Küste",
                "ru": "Смотровая площадка над побережьем",
                "uk": "Оглядовий майданчик над узбережжям",
                "pl": "Punkt widokowy nad wybrzeżem",
                "nl": "Uitkijkpunt boven de kust",
                "fr": "Belvédère au-dessus de la côte",
                "ar": "نقطة مشاهدة تطل على الساحل",
            },
            {
                "de": "Mittagessen am Forellenbach in Ulupınar",
                "ru": "Обед у форелевого ручья в Улупынаре",
                "uk": "Обід біля форелевого струмка в Улупинарі",
                "pl": "Obiad nad pstrągowym strumieniem w Ulupınar",
                "nl": "Lunch aan de forelbeek in Ulupınar",
                "fr": "Déjeuner au bord du torrent à truites d'Ulupınar",
                "ar": "الغداء بجانب جدول السلمون المرقط في أولوبينار",
            },
            "return",
        ),
        "included": _lines(
            "pickup_dropoff",
            {
                "de": "Jeep mit Fahrer und Guide in einer Person",
                "ru": "Джип с водителем-гидом",
                "uk": "Джип із водієм-гідом",
                "pl": "Jeep z kierowcą-przewodnikiem",
                "nl": "Jeep met chauffeur-gids",
                "fr": "Jeep avec chauffeur-guide",
                "ar": "سيارة جيب مع سائق مرشد",
            },
            "lunch",
            {
                "de": "Gözleme-Verkostung",
                "ru": "Дегустация гёзлеме",
                "uk": "Дегустація гьозлеме",
                "pl": "Degustacja gözleme",
                "nl": "Gözleme proeven",
                "fr": "Dégustation de gözleme",
                "ar": "تذوق الغوزلمة",
            },
            {
                "de": "Versicherung",
                "ru": "Страховка",
                "uk": "Страхування",
                "pl": "Ubezpieczenie",
                "nl": "Verzekering",
                "fr": "Assurance",
                "ar": "التأمين",
            },
        ),
    },
}


def _complete(texts: dict[str, str], more: dict[str, str]) -> None:
    """Add the languages ``texts`` lacks; a language already given above keeps its text."""
    for language, text in more.items():
        texts.setdefault(language, text)


def place_names(slug: str, name_en: str, name_tr: str) -> dict[str, str]:
    """A place's name in every language: its own where it has one, else its (brand) name in English."""
    names = {"en": name_en, "tr": name_tr}
    _complete(names, PLACE_NAMES.get(slug, {}))
    _complete(names, {language: name_en for language in OTHER_LANGUAGES})
    return names


def _merge() -> None:
    for zones in (AIRPORT_ZONES, RESORT_ZONES):
        for code, names in zones.items():
            _complete(names, _ZONE_NAMES[code])
    for slug, _iata, zone, *_rest in AIRPORTS:
        PLACE_NAMES.setdefault(slug, AIRPORT_ZONES[zone])
    for items, texts in ((VEHICLE_CLASSES, _VEHICLE_TEXTS), (EXTRAS, _EXTRA_TEXTS)):
        for item in items:
            for field, more in texts[item["code"]].items():
                _complete(item[field], more)
    for season in SEASONS:
        _complete(season["name"], _SEASON_NAMES[season["name"]["en"]])
    for tour in TOURS:
        for field, more in _TOUR_TEXTS[tour["slug"]].items():
            _complete(tour[field], more)


_merge()


# --- coupon and currencies --------------------------------------------------------------------------------
class CouponSpec(TypedDict):
    code: str
    description: str
    kind: str
    value: str
    valid_days: int  # counted from 30 days before the first load
    max_uses: int
    max_uses_per_customer: int


COUPON: CouponSpec = {
    "code": "WELCOME10",
    "description": "10 % off a first booking",
    "kind": "percent",
    "value": "10",
    "valid_days": 365,
    "max_uses": 500,
    "max_uses_per_customer": 1,
}

# code, name, symbol, units per 1 EUR. Rates are set by the operator, not fetched.
CURRENCIES: list[tuple[str, str, str, str]] = [
    ("EUR", "Euro", "€", "1"),
    ("GBP", "Pound sterling", "£", "0.870000"),
    ("USD", "US dollar", "$", "1.160000"),
    ("TRY", "Turkish lira", "₺", "49.800000"),
    ("RUB", "Russian rouble", "₽", "94.500000"),
    ("PLN", "Polish złoty", "zł", "4.240000"),
]

# --- bookings ---------------------------------------------------------------------------------------------
# Each demo booking is identified by its lead email (always at example.com, a domain reserved for examples).
#
# pickup / return_pickup: {"days": N, "time": "HH:MM"} is N days from today at that local time;
#   {"minutes": N} is N minutes from now (for rides happening right now).
# tour bookings: "departure_days": the tour's first scheduled departure on or after today + N days, or for a
#   negative N its last scheduled departure on or before that day.
# booked_days_ago: when the traveller placed it. flight: the inbound flight, landing 30 minutes before pickup.
# party: adults, children, infants, luggage. passengers: first name, last name, category.
# path: the statuses the booking then moves through, in order; cancel_by_traveller applies the fee policy.
DEMO_BOOKINGS: list[dict] = [
    {
        "email": "emma.thompson@example.com",
        "name": "Emma Thompson",
        "phone": "+447911123456",
        "language": "en",
        "currency": "GBP",
        "payment": "card",
        "kind": "transfer",
        "route": ("ayt", "rixos-premium-belek"),
        "vehicle": "minivan",
        "pickup": {"days": 12, "time": "14:40"},
        "flight": "BY1234",
        "booked_days_ago": 0,
        "party": (2, 1, 0, 4),
        "passengers": [("Emma", "Thompson", "adult"), ("Daniel", "Thompson", "adult"), ("Lily", "Thompson", "child")],
        "extras": [("child_seat", 1)],
        "path": [],
    },
    {
        "email": "jeroen.vandijk@example.com",
        "name": "Jeroen van Dijk",
        "phone": "+31612345678",
        "language": "nl",
        "currency": "EUR",
        "payment": "card",
        "kind": "tour",
        "tour": "pamukkale-hierapolis",
        "departure_days": 9,
        "booked_days_ago": 0,
        "pickup_place": "ali-bey-resort-sorgun",
        "pickup_point": "main entrance",
        "party": (2, 0, 0, 0),
        "passengers": [("Jeroen", "van Dijk", "adult"), ("Sanne", "van Dijk", "adult")],
        "path": [],
    },
    {
        "email": "lukas.schneider@example.com",
        "name": "Lukas Schneider",
        "phone": "+4915123456789",
        "language": "de",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "regnum-carya"),
        "vehicle": "minivan",
        "pickup": {"days": 5, "time": "11:25"},
        "return_pickup": {"days": 12, "time": "08:00"},
        "flight": "XQ963",
        "booked_days_ago": 2,
        "coupon": "WELCOME10",
        "party": (2, 1, 1, 4),
        "passengers": [
            ("Lukas", "Schneider", "adult"),
            ("Julia", "Schneider", "adult"),
            ("Felix", "Schneider", "child"),
            ("Mila", "Schneider", "infant"),
        ],
        "extras": [("child_seat", 1), ("baby_seat", 1), ("meet_greet", 1)],
        "notes": "Wir reisen mit einem Kinderwagen.",
        "path": [],
    },
    {
        "email": "olga.ivanova@example.com",
        "name": "Olga Ivanova",
        "phone": "+79161234567",
        "language": "ru",
        "currency": "RUB",
        "payment": "cash",
        "kind": "transfer",
        "route": ("gzp", "utopia-world"),
        "vehicle": "sedan",
        "pickup": {"days": 3, "time": "16:50"},
        "flight": "ZF2883",
        "booked_days_ago": 14,
        "party": (2, 0, 0, 2),
        "passengers": [("Olga", "Ivanova", "adult"), ("Igor", "Ivanov", "adult")],
        "path": [],
    },
    {
        "email": "mehmet.yilmaz@example.com",
        "name": "Mehmet Yılmaz",
        "phone": "+905321234567",
        "language": "tr",
        "currency": "TRY",
        "payment": "cash",
        "kind": "transfer",
        "route": ("titanic-beach-lara", "ayt"),
        "vehicle": "sedan",
        "pickup": {"days": 7, "time": "05:30"},
        "pickup_point": "Lobi girişi",
        "booked_days_ago": 1,
        "party": (2, 0, 0, 3),
        "passengers": [("Mehmet", "Yılmaz", "adult"), ("Elif", "Yılmaz", "adult")],
        "notes": "Uçuş PC2012, kalkış 08:15.",
        "path": [],
    },
    {
        "email": "ayse.demir@example.com",
        "name": "Ayşe Demir",
        "phone": "+905051234567",
        "language": "tr",
        "currency": "TRY",
        "payment": "cash",
        "kind": "transfer",
        "route": ("regnum-carya", "barut-hemera"),
        "vehicle": "sedan",
        "pickup": {"days": 4, "time": "12:00"},
        "pickup_point": "Lobi",
        "booked_days_ago": 3,
        "party": (1, 0, 0, 1),
        "passengers": [("Ayşe", "Demir", "adult")],
        "path": [],
    },
    {
        "email": "oliver.hughes@example.com",
        "name": "Oliver Hughes",
        "phone": "+447834123456",
        "language": "en",
        "currency": "GBP",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "rixos-sungate"),
        "vehicle": "vip-minivan",
        "pickup": {"days": 8, "time": "19:10"},
        "return_pickup": {"days": 15, "time": "10:30"},
        "flight": "LS1563",
        "booked_days_ago": 30,
        "party": (2, 0, 0, 3),
        "passengers": [("Oliver", "Hughes", "adult"), ("Charlotte", "Hughes", "adult")],
        "extras": [("meet_greet", 1), ("vip_lounge", 2)],
        "path": [],
    },
    {
        "email": "sophie.martin@example.com",
        "name": "Sophie Martin",
        "phone": "+33612345678",
        "language": "fr",
        "currency": "EUR",
        "payment": "cash",
        "kind": "tour",
        "tour": "antalya-city-waterfalls",
        "departure_days": 2,
        "booked_days_ago": 4,
        "pickup_place": "delphin-palace",
        "pickup_point": "lobby",
        "party": (2, 2, 0, 0),
        "passengers": [
            ("Sophie", "Martin", "adult"),
            ("Nicolas", "Martin", "adult"),
            ("Léa", "Martin", "child"),
            ("Hugo", "Martin", "child"),
        ],
        "path": [],
    },
    {
        "email": "anna.kowalska@example.com",
        "name": "Anna Kowalska",
        "phone": "+48512345678",
        "language": "pl",
        "currency": "PLN",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "maxx-royal-kemer"),
        "vehicle": "vip-minivan",
        "pickup": {"days": 1, "time": "13:15"},
        "flight": "E42147",
        "booked_days_ago": 10,
        "party": (2, 1, 0, 3),
        "passengers": [("Anna", "Kowalska", "adult"), ("Piotr", "Kowalski", "adult"), ("Zofia", "Kowalska", "child")],
        "extras": [("booster", 1)],
        "path": ["assigned"],
    },
    {
        "email": "oleksandr.kovalenko@example.com",
        "name": "Oleksandr Kovalenko",
        "phone": "+380501234567",
        "language": "uk",
        "currency": "EUR",
        "payment": "cash",
        "kind": "tour",
        "tour": "taurus-jeep-safari",
        "departure_days": 1,
        "booked_days_ago": 5,
        "pickup_place": "akra-kemer",
        "pickup_point": "main gate",
        "party": (2, 0, 0, 0),
        "passengers": [("Oleksandr", "Kovalenko", "adult"), ("Iryna", "Kovalenko", "adult")],
        "path": ["assigned"],
    },
    {
        "email": "james.wilson@example.com",
        "name": "James Wilson",
        "phone": "+447912345678",
        "language": "en",
        "currency": "GBP",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "delphin-palace"),
        "vehicle": "minivan",
        "pickup": {"minutes": 45},
        "flight": "LS1827",
        "booked_days_ago": 20,
        "party": (3, 1, 0, 4),
        "passengers": [
            ("James", "Wilson", "adult"),
            ("Sarah", "Wilson", "adult"),
            ("Margaret", "Wilson", "adult"),
            ("Jack", "Wilson", "child"),
        ],
        "extras": [("booster", 1)],
        "path": ["assigned", "on_the_way"],
    },
    {
        "email": "thomas.kessler@example.com",
        "name": "Thomas Kessler",
        "phone": "+4917612345678",
        "language": "de",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "ali-bey-resort-sorgun"),
        "vehicle": "minibus",
        "pickup": {"minutes": -25},
        "flight": "DE2084",
        "booked_days_ago": 40,
        "party": (6, 3, 1, 8),
        "passengers": [
            ("Thomas", "Kessler", "adult"),
            ("Sabine", "Kessler", "adult"),
            ("Michael", "Brandt", "adult"),
            ("Katrin", "Brandt", "adult"),
            ("Stefan", "Vogel", "adult"),
            ("Nina", "Vogel", "adult"),
            ("Paul", "Kessler", "child"),
            ("Emma", "Brandt", "child"),
            ("Ben", "Vogel", "child"),
            ("Lina", "Vogel", "infant"),
        ],
        "extras": [("child_seat", 2), ("baby_seat", 1)],
        "path": ["assigned", "on_the_way", "picked_up"],
    },
    {
        "email": "hannah.becker@example.com",
        "name": "Hannah Becker",
        "phone": "+4915223456789",
        "language": "de",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "rubi-platinum"),
        "vehicle": "sedan",
        "pickup": {"days": -6, "time": "10:20"},
        "flight": "EW9742",
        "booked_days_ago": 35,
        "party": (2, 0, 0, 2),
        "passengers": [("Hannah", "Becker", "adult"), ("Jonas", "Becker", "adult")],
        "path": ["assigned", "on_the_way", "picked_up", "completed"],
    },
    {
        "email": "elena.petrova@example.com",
        "name": "Elena Petrova",
        "phone": "+79161112233",
        "language": "ru",
        "currency": "RUB",
        "payment": "cash",
        "kind": "transfer",
        "route": ("gzp", "alanya-centre"),
        "vehicle": "sedan",
        "pickup": {"days": -10, "time": "22:40"},
        "flight": "SU2130",
        "booked_days_ago": 25,
        "party": (1, 1, 0, 2),
        "passengers": [("Elena", "Petrova", "adult"), ("Maria", "Petrova", "child")],
        "extras": [("booster", 1)],
        "path": ["assigned", "on_the_way", "picked_up", "completed"],
    },
    {
        "email": "mark.jansen@example.com",
        "name": "Mark Jansen",
        "phone": "+31623456789",
        "language": "nl",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("akra-kemer", "ayt"),
        "vehicle": "sedan",
        "pickup": {"days": -3, "time": "06:00"},
        "pickup_point": "Reception",
        "booked_days_ago": 9,
        "party": (2, 0, 0, 2),
        "passengers": [("Mark", "Jansen", "adult"), ("Eva", "Jansen", "adult")],
        "path": ["assigned", "completed"],
    },
    {
        "email": "chloe.davies@example.com",
        "name": "Chloe Davies",
        "phone": "+447400123456",
        "language": "en",
        "currency": "GBP",
        "payment": "cash",
        "kind": "tour",
        "tour": "perge-aspendos-side",
        "departure_days": -4,
        "booked_days_ago": 12,
        "pickup_place": "titanic-beach-lara",
        "pickup_point": "lobby",
        "party": (2, 1, 0, 0),
        "passengers": [("Chloe", "Davies", "adult"), ("Ryan", "Davies", "adult"), ("Ella", "Davies", "child")],
        "path": ["completed"],
    },
    {
        "email": "dmitry.smirnov@example.com",
        "name": "Dmitry Smirnov",
        "phone": "+79031234567",
        "language": "ru",
        "currency": "RUB",
        "payment": "cash",
        "kind": "tour",
        "tour": "pamukkale-hierapolis",
        "departure_days": -8,
        "booked_days_ago": 15,
        "pickup_place": "crystal-de-luxe-kemer",
        "pickup_point": "main gate",
        "party": (2, 0, 0, 0),
        "passengers": [("Dmitry", "Smirnov", "adult"), ("Anastasia", "Smirnova", "adult")],
        "path": ["completed"],
    },
    {
        "email": "laura.fischer@example.com",
        "name": "Laura Fischer",
        "phone": "+4915112345678",
        "language": "de",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "barut-hemera"),
        "vehicle": "sedan",
        "pickup": {"days": 20, "time": "18:05"},
        "flight": "DE1544",
        "booked_days_ago": 18,
        "party": (2, 0, 0, 2),
        "passengers": [("Laura", "Fischer", "adult"), ("Tobias", "Fischer", "adult")],
        "path": ["cancelled"],
        "cancel_by_traveller": True,
        "reasons": {"cancelled": "Holiday moved to the spring"},
    },
    {
        "email": "peter.nielsen@example.com",
        "name": "Peter Nielsen",
        "phone": "+4520123456",
        "language": "en",
        "currency": "EUR",
        "payment": "cash",
        "kind": "tour",
        "tour": "taurus-jeep-safari",
        "departure_days": 6,
        "booked_days_ago": 7,
        "pickup_place": "rixos-premium-tekirova",
        "pickup_point": "lobby",
        "party": (2, 0, 0, 0),
        "passengers": [("Peter", "Nielsen", "adult"), ("Mette", "Nielsen", "adult")],
        "path": ["cancelled"],
        "reasons": {"cancelled": "Guest phoned: booked a boat trip for that day instead"},
    },
    {
        "email": "sergey.popov@example.com",
        "name": "Sergey Popov",
        "phone": "+79261234567",
        "language": "ru",
        "currency": "EUR",
        "payment": "cash",
        "kind": "transfer",
        "route": ("ayt", "kaya-palazzo-belek"),
        "vehicle": "minivan",
        "pickup": {"days": -2, "time": "23:50"},
        "flight": "PC1680",
        "booked_days_ago": 6,
        "party": (3, 0, 0, 3),
        "passengers": [("Sergey", "Popov", "adult"), ("Tatiana", "Popova", "adult"), ("Andrey", "Popov", "adult")],
        "path": ["assigned", "on_the_way", "no_show"],
        "reasons": {"no_show": "Flight landed on time; guests not at the meeting point and phone off after 90 minutes"},
    },
    {
        "email": "ryan.obrien@example.com",
        "name": "Ryan O'Brien",
        "phone": "+353871234567",
        "language": "en",
        "currency": "EUR",
        "payment": "card",
        "kind": "transfer",
        "route": ("ayt", "concorde-de-luxe-resort"),
        "vehicle": "sedan",
        "pickup": {"days": 10, "time": "15:55"},
        "flight": "FR7032",
        "booked_days_ago": 1,
        "party": (2, 0, 0, 2),
        "passengers": [("Ryan", "O'Brien", "adult"), ("Aoife", "O'Brien", "adult")],
        "path": ["expired"],
        "reasons": {"expired": "Card payment was not completed in time"},
    },
    {
        "email": "michael.weber@example.com",
        "name": "Michael Weber",
        "phone": "+4917012345678",
        "language": "de",
        "currency": "EUR",
        "payment": "card",
        "kind": "transfer",
        "route": ("ayt", "gloria-serenity-resort"),
        "vehicle": "minivan",
        "pickup": {"days": 15, "time": "09:40"},
        "flight": "XQ141",
        "booked_days_ago": 8,
        "party": (4, 0, 0, 5),
        "passengers": [
            ("Michael", "Weber", "adult"),
            ("Petra", "Weber", "adult"),
            ("Jan", "Weber", "adult"),
            ("Lea", "Weber", "adult"),
        ],
        "path": ["confirmed", "cancelled", "refunded"],
        "reasons": {
            "confirmed": "Card payment received",
            "cancelled": "Guest cancelled by email: golf trip postponed",
            "refunded": "Full refund sent to the card",
        },
    },
    {
        "email": "natalia.nowak@example.com",
        "name": "Natalia Nowak",
        "phone": "+48601234567",
        "language": "pl",
        "currency": "PLN",
        "payment": "card",
        "kind": "tour",
        "tour": "antalya-city-waterfalls",
        "departure_days": 4,
        "booked_days_ago": 6,
        "pickup_place": "lara-barut-collection",
        "pickup_point": "lobby",
        "party": (1, 1, 0, 0),
        "passengers": [("Natalia", "Nowak", "adult"), ("Kuba", "Nowak", "child")],
        "path": ["confirmed", "cancelled", "refunded"],
        "reasons": {
            "confirmed": "Card payment received",
            "cancelled": "Child unwell; guest asked to cancel",
            "refunded": "Full refund sent to the card",
        },
    },
]


# --- tour photos ------------------------------------------------------------------------------------------
# Drawn by ``manage.py draw_tour_photos`` into the photo library (gnb/catalog/static/catalog/tours, see its
# README); each with what it shows, for screen readers, in every language.
TOUR_PHOTOS: dict[str, list[dict]] = {
    "perge-aspendos-side": [
        {
            "photo": "perge-aspendos-side-1",
            "alt": {
                "en": "Drawing: the columns of the Temple of Apollo at Side by the sea at sunset",
                "tr": "Çizim: gün batımında deniz kıyısında Side'deki Apollon Tapınağı'nın sütunları",
                "de": "Zeichnung: die Säulen des Apollontempels von Side am Meer bei Sonnenuntergang",
                "ru": "Рисунок: колонны храма Аполлона в Сиде у моря на закате",
                "uk": "Малюнок: колони храму Аполлона в Сіде біля моря на заході сонця",
                "pl": "Rysunek: kolumny świątyni Apollina w Side nad morzem o zachodzie słońca",
                "nl": "Tekening: de zuilen van de Apollotempel in Side aan zee bij zonsondergang",
                "fr": "Dessin : les colonnes du temple d'Apollon à Side, au bord de la mer au coucher du soleil",
                "ar": "رسم: أعمدة معبد أبولو في سيدا على شاطئ البحر عند الغروب",
            },
        },
        {
            "photo": "perge-aspendos-side-2",
            "alt": {
                "en": "Drawing: the rows of seats of the Roman theatre of Aspendos",
                "tr": "Çizim: Aspendos Roma Tiyatrosu'nun oturma sıraları",
                "de": "Zeichnung: die Sitzreihen des römischen Theaters von Aspendos",
                "ru": "Рисунок: ряды сидений римского театра Аспендоса",
                "uk": "Малюнок: ряди сидінь римського театру Аспендоса",
                "pl": "Rysunek: rzędy siedzeń rzymskiego teatru w Aspendos",
                "nl": "Tekening: de zitrijen van het Romeinse theater van Aspendos",
                "fr": "Dessin : les gradins du théâtre romain d'Aspendos",
                "ar": "رسم: صفوف المقاعد في المسرح الروماني في أسبندوس",
            },
        },
    ],
    "pamukkale-hierapolis": [
        {
            "photo": "pamukkale-hierapolis-1",
            "alt": {
                "en": "Drawing: the white travertine terraces of Pamukkale with turquoise pools",
                "tr": "Çizim: Pamukkale'nin turkuaz havuzlu beyaz traverten terasları",
                "de": "Zeichnung: die weißen Kalksinterterrassen von Pamukkale mit türkisfarbenen Becken",
                "ru": "Рисунок: белые травертиновые террасы Памуккале с бирюзовыми бассейнами",
                "uk": "Малюнок: білі травертинові тераси Памуккале з бірюзовими басейнами",
                "pl": "Rysunek: białe trawertynowe tarasy Pamukkale z turkusowymi basenami",
                "nl": "Tekening: de witte travertijnterrassen van Pamukkale met turquoise baden",
                "fr": "Dessin : les terrasses de travertin blanc de Pamukkale et leurs bassins turquoise",
                "ar": "رسم: مدرجات الترافرتين البيضاء في باموكالي مع أحواضها الفيروزية",
            },
        },
        {
            "photo": "pamukkale-hierapolis-2",
            "alt": {
                "en": "Drawing: ancient columns of Hierapolis below the mountains at sunset",
                "tr": "Çizim: gün batımında dağların eteğinde Hierapolis'in antik sütunları",
                "de": "Zeichnung: antike Säulen von Hierapolis vor den Bergen bei Sonnenuntergang",
                "ru": "Рисунок: античные колонны Иераполиса у подножия гор на закате",
                "uk": "Малюнок: античні колони Ієраполя біля підніжжя гір на заході сонця",
                "pl": "Rysunek: antyczne kolumny Hierapolis u stóp gór o zachodzie słońca",
                "nl": "Tekening: antieke zuilen van Hierapolis onder de bergen bij zonsondergang",
                "fr": "Dessin : les colonnes antiques de Hiérapolis au pied des montagnes au coucher du soleil",
                "ar": "رسم: أعمدة هيرابوليس الأثرية عند سفح الجبال وقت الغروب",
            },
        },
    ],
    "antalya-city-waterfalls": [
        {
            "photo": "antalya-city-waterfalls-1",
            "alt": {
                "en": "Drawing: the Lower Düden waterfall falling from the cliff into the sea",
                "tr": "Çizim: falezden denize dökülen Aşağı Düden Şelalesi",
                "de": "Zeichnung: der Untere Düden-Wasserfall, der von der Klippe ins Meer stürzt",
                "ru": "Рисунок: Нижний водопад Дюден, падающий со скалы в море",
                "uk": "Малюнок: Нижній водоспад Дюден, що падає зі скелі в море",
                "pl": "Rysunek: Dolny wodospad Düden spadający z klifu do morza",
                "nl": "Tekening: de Beneden-Düdenwaterval die van de klif in zee valt",
                "fr": "Dessin : la cascade basse de Düden tombant de la falaise dans la mer",
                "ar": "رسم: شلال دودن السفلي يتدفق من الجرف إلى البحر",
            },
        },
        {
            "photo": "antalya-city-waterfalls-2",
            "alt": {
                "en": "Drawing: the old harbour of Kaleiçi with its houses, minaret and boats",
                "tr": "Çizim: evleri, minaresi ve tekneleriyle Kaleiçi'nin eski limanı",
                "de": "Zeichnung: der alte Hafen von Kaleiçi mit Häusern, Minarett und Booten",
                "ru": "Рисунок: старая гавань Калеичи с домами, минаретом и лодками",
                "uk": "Малюнок: стара гавань Калеїчі з будинками, мінаретом і човнами",
                "pl": "Rysunek: stary port Kaleiçi z domami, minaretem i łodziami",
                "nl": "Tekening: de oude haven van Kaleiçi met huizen, minaret en boten",
                "fr": "Dessin : le vieux port de Kaleiçi, ses maisons, son minaret et ses bateaux",
                "ar": "رسم: الميناء القديم في كاليتشي ببيوته ومئذنته وقواربه",
            },
        },
    ],
    "taurus-jeep-safari": [
        {
            "photo": "taurus-jeep-safari-1",
            "alt": {
                "en": "Drawing: a jeep on a dirt track through pine forest below the Taurus peaks",
                "tr": "Çizim: Toros zirvelerinin altında çam ormanından geçen toprak yolda bir cip",
                "de": "Zeichnung: ein Jeep auf einer Schotterpiste durch den Kiefernwald unter den Taurusgipfeln",
                "ru": "Рисунок: джип на грунтовой дороге через сосновый лес под вершинами Тавра",
                "uk": "Малюнок: джип на ґрунтовій дорозі крізь сосновий ліс під вершинами Тавру",
                "pl": "Rysunek: jeep na szutrowej drodze przez las sosnowy pod szczytami Taurusu",
                "nl": "Tekening: een jeep op een onverharde weg door het dennenbos onder de toppen van de Taurus",
                "fr": "Dessin : une jeep sur une piste à travers la pinède, sous les sommets du Taurus",
                "ar": "رسم: سيارة جيب على طريق ترابي عبر غابة الصنوبر تحت قمم جبال طوروس",
            },
        },
        {
            "photo": "taurus-jeep-safari-2",
            "alt": {
                "en": "Drawing: a turquoise river in a narrow mountain canyon",
                "tr": "Çizim: dar bir dağ kanyonunda akan turkuaz bir nehir",
                "de": "Zeichnung: ein türkisfarbener Fluss in einer engen Bergschlucht",
                "ru": "Рисунок: бирюзовая река в узком горном каньоне",
                "uk": "Малюнок: бірюзова річка у вузькому гірському каньйоні",
                "pl": "Rysunek: turkusowa rzeka w wąskim górskim kanionie",
                "nl": "Tekening: een turquoise rivier in een smalle bergkloof",
                "fr": "Dessin : une rivière turquoise dans un étroit canyon de montagne",
                "ar": "رسم: نهر فيروزي في وادٍ جبلي ضيق",
            },
        },
    ],
}
