import json

from conftest import future_local


def test_quote_and_book_a_transfer(client, catalog, django_capture_on_commit_callbacks):
    pickup = future_local(days=20)
    quote = client.post(
        "/api/v1/quotes",
        data={
            "origin": "ayt",
            "destination": "regnum-carya",
            "pickup_at": pickup.isoformat(),
            "adults": 2,
            "children": 1,
            "infants": 1,
            "luggage": 3,
        },
        content_type="application/json",
    )
    assert quote.status_code == 200, quote.content
    body = quote.json()
    assert [o["vehicle_class"]["code"] for o in body["options"]] == ["minivan", "minibus"]
    assert body["options"][0]["price"]["total"] == "55.00"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/bookings",
            data=json.dumps(
                {
                    "origin": "ayt",
                    "destination": "regnum-carya",
                    "pickup_at": pickup.isoformat(),
                    "adults": 2,
                    "children": 1,
                    "infants": 1,
                    "luggage": 3,
                    "vehicle_class": "minivan",
                    "extras": [{"code": "child_seat", "quantity": 1}],
                    "contact": {"name": "Anna Smith", "email": "anna@example.com", "phone": "+44 7911 123456"},
                    "passengers": [
                        {"first_name": "Anna", "last_name": "Smith", "category": "adult"},
                        {"first_name": "John", "last_name": "Smith", "category": "adult"},
                        {"first_name": "Tom", "last_name": "Smith", "category": "child"},
                        {"first_name": "Mia", "last_name": "Smith", "category": "infant"},
                    ],
                    "flight": {"number": "TK 2412", "arrival_at": pickup.isoformat()},
                }
            ),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["total"] == "60.00"
    assert booking["status"] == "confirmed"
    assert booking["legs"][0]["flight_number"] == "TK2412"
