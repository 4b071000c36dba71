"""Scraped pages in every layout the family comes in: each field read exactly.

The pages are in tests/fixtures/layouts/ (its README lists them); each test names the
layout class it stands for, so a page never seen in the same class parses the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulletin.domain.stories import Image, Story
from bulletin.ingest.text import parse_text
from tests.support.fixtures import LAYOUTS

FURNITURE = ("Breaking News Emails", "Get breaking news", "weekday mornings", "/ Updated")


def _page(name: str) -> Story:
    path = LAYOUTS / f"{name}.txt"
    return parse_text(path.read_text(encoding="utf-8"), source=name, source_id=name)


def _fields(story: Story) -> dict[str, object]:
    return {
        "headline": story.headline,
        "dek": story.summary,
        "people": story.byline_people,
        "agencies": story.byline_agencies,
        "dateline": story.dateline,
        "published": story.published_at,
        "updated": story.updated_at,
        "contributors": story.contributors,
    }


@pytest.mark.parametrize("name", sorted(p.stem for p in LAYOUTS.glob("*.txt")))
def test_no_layout_leaves_furniture_in_the_body(name: str) -> None:
    story = _page(name)
    for text in (story.body_text, story.body_html, story.headline or "", story.summary or ""):
        for furniture in FURNITURE:
            assert furniture.casefold() not in text.casefold()
    assert "SUBSCRIBE" not in story.body_text and "Share this" not in story.body_text


def test_one_line_page_with_date_box_stamp_byline_and_dateline_run_together() -> None:
    story = _page("one-line")
    assert _fields(story) == {
        "headline": None,
        "dek": None,
        "people": ("Marta Quill",),
        "agencies": ("The Associated Press",),
        "dateline": "WASHINGTON",
        "published": datetime(2017, 8, 30, tzinfo=UTC),
        "updated": None,
        "contributors": (),
    }
    assert story.lead is not None
    assert story.lead.startswith("The Senate passed the flood relief bill late Wednesday")
    assert story.paragraphs[0].endswith("Two senators voted against it.")


def test_one_line_page_whose_byline_runs_into_the_first_sentence() -> None:
    story = _page("one-line-no-dateline")
    assert _fields(story) == {
        "headline": None,
        "dek": None,
        "people": ("Ines Corbett", "Theo Marsh"),
        "agencies": (),
        "dateline": None,
        "published": datetime(2018, 3, 14, tzinfo=UTC),
        "updated": None,
        "contributors": (),
    }
    assert story.lead is not None
    assert story.lead.startswith("The county reopened the coastal road on Tuesday")
    assert "By " not in story.body_text


def test_headline_above_the_page_date_and_a_wire_dateline_with_its_date() -> None:
    story = _page("headline-above-date-wire")
    assert _fields(story) == {
        "headline": "Port strike ends after nine days",
        "dek": None,
        "people": ("Sofia Brandt",),
        "agencies": ("Reuters",),
        "dateline": "ROTTERDAM",
        "published": datetime(2019, 6, 2, tzinfo=UTC),
        "updated": None,
        "contributors": (),
    }
    assert story.lead == (
        "Dock workers voted on Sunday to end a strike that had halted container traffic "
        "for nine days."
    )


def test_box_subscribe_and_times_on_one_line_then_the_byline() -> None:
    story = _page("subscribe-stamp")
    assert story.byline_people == ("Dana Whitlock",)
    assert story.published_at == datetime(2019, 1, 12, 17, 28, tzinfo=UTC)
    assert story.updated_at == datetime(2019, 1, 12, 19, 5, tzinfo=UTC)
    assert story.headline is None and story.dateline is None
    assert story.lead == (
        "Rescuers reached the stranded hikers on Saturday after a night on the ridge."
    )


def test_lowercase_byline_with_empty_share_stamps_on_its_line() -> None:
    story = _page("byline-slash-updated")
    assert _fields(story) == {
        "headline": "Wildfire forces thousands from homes near Sacramento",
        "dek": None,
        "people": ("Leo Baptiste", "Nora Finch"),
        "agencies": ("Reuters",),
        "dateline": "SACRAMENTO, Calif.",
        "published": None,
        "updated": None,
        "contributors": ("Reuters",),
    }
    assert story.lead is not None and story.lead.startswith("Thousands of residents fled")
    assert len(story.paragraphs) == 2


def test_byline_before_the_newsletter_box_with_headline_and_dek_above() -> None:
    story = _page("byline-before-box")
    assert _fields(story) == {
        "headline": "City council approves transit plan after late-night vote",
        "dek": "The plan adds four bus lines and extends light rail to the airport by 2024.",
        "people": ("Priya Natarajan",),
        "agencies": (),
        "dateline": "CHICAGO",
        "published": None,
        "updated": None,
        "contributors": (),
    }
    assert story.paragraphs[-1] == (
        '"This is the biggest change to how Chicago moves in a generation," the mayor said.'
    )
    assert len(story.paragraphs) == 3


def test_byline_after_the_box_and_a_time_stamp_line_and_an_author_note_dropped() -> None:
    story = _page("byline-after-box")
    assert _fields(story) == {
        "headline": "Storm knocks out power to half a million in Texas",
        "dek": None,
        "people": ("Hal Okafor", "Jen Marsh"),
        "agencies": ("NBC News",),
        "dateline": "HOUSTON",
        "published": datetime(2017, 8, 26, 14, 14, tzinfo=UTC),
        "updated": datetime(2017, 8, 26, 20, 52, tzinfo=UTC),
        "contributors": (),
    }
    assert (
        story.paragraphs[-1] == "Utility crews from three states were on their way, officials said."
    )


def test_headline_dek_and_an_agency_dateline_without_a_byline() -> None:
    story = _page("dateline-no-byline")
    assert _fields(story) == {
        "headline": "Quake shakes central Italy, no injuries reported",
        "dek": "A magnitude 5.1 earthquake struck near Perugia early on Monday.",
        "people": (),
        "agencies": ("AP",),
        "dateline": "PERUGIA, Italy",
        "published": None,
        "updated": None,
        "contributors": ("The Associated Press",),
    }
    assert story.lead is not None and story.lead.startswith("An earthquake of magnitude 5.1")


def test_live_blog_entries_lose_their_stamps_and_share_buttons_and_name_their_writers() -> None:
    story = _page("live-blog")
    assert _fields(story) == {
        "headline": "Live updates: Hurricane Irma makes landfall in the Florida Keys",
        "dek": "The storm's eye crossed Cudjoe Key on Sunday morning with winds of 130 mph.",
        "people": ("Ann Lindqvist", "Ray Osei", "Tomas Reyes"),
        "agencies": ("NBC News",),
        "dateline": None,
        "published": datetime(2017, 9, 10, 13, 15, tzinfo=UTC),
        "updated": datetime(2017, 9, 10, 17, 40, tzinfo=UTC),
        "contributors": (),
    }
    assert story.paragraphs == (
        "Governor urges residents to stay inside",
        "Gov. Rick Scott said the worst of the storm surge was still to come and asked people "
        "not to go out.",
        "Eye of the storm reaches the Keys",
        "KEY WEST, Fla. — The eye of Hurricane Irma passed over the lower Keys shortly "
        "after 9 a.m.",
        "More than 1 million customers without power",
        "Florida Power & Light said outages had spread across Miami-Dade County.",
    )


def test_a_correction_after_the_contributor_line_stays_in_the_body() -> None:
    story = _page("correction")
    assert story.headline == "Factory closure to cost 1,200 jobs, company says"
    assert story.byline_people == ("Greta Holm",)
    assert story.contributors == ("Omar Feld",)
    assert story.dateline == "DETROIT"
    assert story.paragraphs[-2] == "The union said it would fight the decision."
    assert story.paragraphs[-1].startswith("Correction (Oct. 4, 2017, 10:05 a.m. ET): An earlier")
    assert story.published_at is None


def test_an_editors_note_above_the_headline_is_kept_but_is_not_the_lead() -> None:
    story = _page("editors-note")
    assert story.headline == "Survivors describe the attack on the village"
    assert story.byline_people == ("Ines Carvalho",)
    assert story.byline_agencies == ("Agence France-Presse",)
    assert story.dateline == "BAMAKO, Mali"
    assert story.lead == "Survivors of the attack said gunmen arrived on motorbikes before dawn."
    assert story.paragraphs[0].startswith("Editor's note: This article contains descriptions")


def test_photo_essay_reads_every_caption_and_credit() -> None:
    story = _page("photo-essay")
    assert story.headline == "Photos: Houston under water after Harvey"
    assert story.summary == (
        "Days of rain left whole neighborhoods flooded and thousands waiting on rooftops."
    )
    assert story.byline_people == ("Kim Adebayo",)
    assert story.images == (
        Image(
            None,
            "Residents wade through floodwaters on Telephone Road in Houston on Aug. 28, 2017.",
            "David J. Phillip / AP",
        ),
        Image(
            None,
            "A man carries a child to a rescue boat in east Houston on Aug. 28, 2017.",
            "Joe Raedle / Getty Images",
        ),
        Image(
            None,
            "Volunteers pull a boat past flooded homes in Dickinson, Texas, on Tuesday.",
            "Mark Ralston / AFP - Getty Images",
        ),
        Image(
            None,
            "Evacuees rest on cots at the George R. Brown Convention Center on Aug. 29, 2017.",
            "Erich Schlegel / Getty Images",
        ),
        Image(
            None, "Water surrounds homes near the Addicks Reservoir on Aug. 30, 2017.", "Reuters"
        ),
    )
    assert story.paragraphs == (
        "HOUSTON — The rain has stopped, but the water is still rising in parts of the city.",
        "Officials expect the water to recede by the weekend.",
    )


def test_section_headings_stay_in_the_body_and_are_never_a_headline() -> None:
    story = _page("sections")
    assert story.headline is None and story.byline_people == () and story.dateline is None
    assert story.paragraphs[0] == "OFF TO THE RACES: Governors race tightens in Virginia"
    assert "SENATE: Budget talks stall again" in story.paragraphs
    assert len(story.paragraphs) == 5
