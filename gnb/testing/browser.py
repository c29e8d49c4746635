"""The browser tests' travellers (a Playwright page with its screenshots and problems) and the steps of the public
booking flow as a traveller takes them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import ConsoleMessage, Page, Request, Response, ViewportSize, expect

from gnb.testing.tasks import run_worker

__all__ = ["run_worker"]  # the steps' worker, for the tests that take them

PHONE: ViewportSize = {"width": 390, "height": 844}
# The details the traveller types: two adults and a child; passenger 1 (Anna) is the lead contact.
CONTACT = {"Email": "anna@example.com", "Mobile phone": "+44 7911 123456"}
PASSENGERS = [("Anna", "Smith"), ("John", "Smith"), ("Tom", "Smith")]


@dataclass
class Screenshots:
    """Numbered screenshots of one test, shared by all its travellers so the steps read in order."""

    folder: Path
    count: int = 0

    def take(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@dataclass
class Traveller:
    """One visitor: a browser context and its page, with everything that went wrong on its pages."""

    name: str
    page: Page
    screenshots: Screenshots
    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)  # every URL the page asked for, in order

    def shot(self, step: str) -> Path:
        return self.screenshots.take(self.page, f"{self.name}-{step}")

    def watch(self) -> None:
        page = self.page

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.problems.append(f"console error on {page.url}: {message.text}")

        def failed(request: Request) -> None:
            self.problems.append(f"request failed on {page.url}: {request.method} {request.url} {request.failure}")

        def answered(response: Response) -> None:
            if response.status >= 400:
                self.problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

        page.on("request", lambda request: self.requested.append(request.url))
        page.on("console", console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error on {page.url}: {error}"))
        page.on("requestfailed", failed)
        page.on("response", answered)


def settle(page: Page) -> None:
    """Wait until the page's own requests are answered (a driver's page asks for offline.json's version as it opens),
    so going on to another page, as a person does a moment later, cannot cut one off."""
    page.wait_for_load_state("networkidle")


def places_search(text: str) -> Callable[[Response], bool]:
    """Matches the answer of the place suggestions site.js fetches once ``text`` is typed."""
    return lambda response: response.url.endswith("/api/v1/places?q=" + quote(text))


def type_place(traveller: Traveller, label: str, text: str, *, javascript: bool = True) -> None:
    """Type a place name key by key, as a person does; with scripts on, site.js fetches suggestions meanwhile."""
    box = traveller.page.get_by_label(label, exact=True)
    box.click()
    if javascript:
        # Wait for the suggestions of the whole name, so leaving the page cannot cut the request off.
        with traveller.page.expect_response(places_search(text)):
            box.press_sequentially(text, delay=15)
    else:
        box.press_sequentially(text, delay=15)
    box.press("Escape")  # close the suggestion list
    expect(box).to_have_value(text)


def search_transfer(
    traveller: Traveller, site_url: str, landing: dt.datetime, *, children: int, javascript: bool = True
) -> None:
    """From the home page: Antalya Airport → Regnum Carya landing at ``landing``, 2 adults, ``children`` children,
    2 bags. With scripts the form asks for the landing once the origin is an airport; without, the pickup time
    field says (in its help) that an airport pickup gives the landing."""
    page = traveller.page
    page.goto(site_url + "/en/")
    expect(page).to_have_title(re.compile("GNB Transfer$"))
    # site.js hides the return date and time until "Return trip" is ticked; without scripts they stay visible.
    return_date = page.get_by_label("Return date (optional)", exact=True)
    if javascript:
        expect(return_date).to_be_hidden()
    else:
        expect(return_date).to_be_visible()
    traveller.shot("home")
    type_place(traveller, "From", "Antalya Airport", javascript=javascript)
    type_place(traveller, "To", "Regnum Carya", javascript=javascript)
    date_label, time_label = ("Flight date", "Landing time") if javascript else ("Pickup date", "Pickup time")
    page.get_by_label(date_label, exact=True).fill(landing.date().isoformat())
    page.get_by_label(time_label, exact=True).fill(landing.strftime("%H:%M"))
    expect(page.get_by_label("Adults", exact=True)).to_have_value("2")
    page.get_by_label("Children (2–11)", exact=True).fill(str(children))
    expect(page.get_by_label("Suitcases", exact=True)).to_have_value("2")
    traveller.shot("search-filled")
    page.get_by_role("button", name="See prices").click()
    expect(page).to_have_url(re.compile(r"/en/transfers/\?"))
    # The arrow is hidden from screen readers, which read "to" instead.
    expect(page.get_by_role("heading", level=1, name="Antalya Airport to Regnum Carya")).to_be_visible()


def fill_transfer_details(page: Page, *, child_seats: int, landing: dt.datetime | None = None) -> None:
    """The passengers (the first is the lead contact), email and phone, the flight number and the child seats;
    ``landing`` corrects the landing the search gave."""
    passengers = page.locator(".passenger")
    expect(passengers.locator(".passenger__title")).to_have_text(
        ["Passenger 1 · Adult", "Passenger 2 · Adult", "Passenger 3 · Child"]
    )
    for index, (first, last) in enumerate(PASSENGERS):
        passengers.nth(index).get_by_label("First name", exact=True).fill(first)
        passengers.nth(index).get_by_label("Last name", exact=True).fill(last)
    for label, value in CONTACT.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Flight number", exact=True).fill("TK 2412")
    if landing is not None:
        page.get_by_label("Landing date", exact=True).fill(landing.date().isoformat())
        page.get_by_label("Landing time", exact=True).fill(landing.strftime("%H:%M"))
    page.get_by_label("Child seat", exact=True).select_option(str(child_seats))
    page.get_by_label("Notes for the driver (optional)", exact=True).fill("Tom is 4 years old")


def breakdown(page: Page, scope: str = ".summary") -> list[list[str]]:
    """The price lines of the summary as [label, amount] rows, total last."""
    rows = page.locator(f"{scope} table.breakdown tr")
    return [[cell.strip() for cell in row.split("\t")] for row in rows.all_inner_texts()]


def pay_cash(traveller: Traveller, total: str) -> str:
    """On the review page: cash is chosen, book; returns the reference the confirmation page shows."""
    page = traveller.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    cash = page.get_by_role("radio", name=re.compile("^Cash to the driver"))
    expect(cash).to_be_checked()
    page.get_by_role("button", name=f"Book now · {total}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — your booking is confirmed")
    expect(page).to_have_url(re.compile(r"/en/manage/GNB-[A-Z0-9]{4}-[A-Z0-9]{4}/[\w-]+/confirmed/$"))
    traveller.shot("confirmed")
    return page.locator(".reference").inner_text()
