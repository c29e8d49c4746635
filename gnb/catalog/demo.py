# ruff: noqa: E501
"""Demo data for ``manage.py load_demo``: a believable transfer and day-tour operator on the Antalya coast.

Plain structures only; the command decides how they reach the database. Prices are in EUR (the base
currency). Translations are given per language code and always include English and Turkish.
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
EXTRAS: list[dict] = [
    {
        "code": "child_seat",
        "price": "5.00",
        "pricing": "per_unit",
        "max_quantity": 3,
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
        "name": {
            "en": "Meet & greet",
            "tr": "İsimli karşılama",
            "de": "Empfang mit Namensschild",
            "ru": "Встреча с табличкой",
        },
        "description": {
            "en": "Our host waits in the arrivals hall with your name on a sign and walks you to the car.",
            "tr": "Görevlimiz gelen yolcu salonunda adınızın yazılı olduğu tabelayla bekler ve sizi araca götürür.",
        },
    },
    {
        "code": "vip_lounge",
        "price": "45.00",
        "pricing": "per_unit",
        "max_quantity": 8,
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
        "pickup_zones": ("antalya-city", "lara", "belek", "side"),
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
        "pickup_zones": ("antalya-city", "lara", "belek", "side", "alanya", "kemer"),
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
        "pickup_zones": ("antalya-city", "lara", "belek", "kemer"),
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
        "pickup_zones": ("kemer", "antalya-city", "lara", "belek"),
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
        "pickup_point": "Ali Bey Resort Sorgun, main entrance",
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
        "pickup_point": "Delphin Palace, lobby",
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
        "pickup_point": "Akra Kemer, main gate",
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
        "pickup_point": "Titanic Beach Lara, lobby",
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
        "pickup_point": "Crystal De Luxe Resort, main gate",
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
        "pickup_point": "Rixos Premium Tekirova, lobby",
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
        "pickup_point": "Lara Barut Collection, lobby",
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
