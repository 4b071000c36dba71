"""Scraped article text: the seed article, and the family of bylines and datelines like it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Story
from bulletin.ingest.text import parse_text
from tests.support.fixtures import SEED

CAPTION = (
    "A convoy of Islamic State fighters and their families begin to depart from the "
    "Lebanon-Syria border zone in Qalamoun, Syria on August 28, 2017."
)


def _seed() -> Story:
    return parse_text(SEED.read_text(encoding="utf-8"), source=str(SEED), source_id=SEED.stem)


def test_seed_byline_splits_people_from_agencies() -> None:
    story = _seed()
    assert story.byline_people == ("Courtney Kube",)
    assert story.byline_agencies == ("The Associated Press",)


def test_seed_dateline_is_the_place_and_the_lead_starts_after_it() -> None:
    story = _seed()
    assert story.dateline == "WASHINGTON"
    assert story.lead is not None
    assert story.lead.startswith("Coalition airstrikes stopped hundreds of ISIS militants")


def test_seed_photo_caption_and_credit_become_an_image_and_leave_the_body() -> None:
    story = _seed()
    assert [(i.caption, i.credit) for i in story.images] == [(CAPTION, "Omar Sanadiki / Reuters")]
    assert "Qalamoun" not in story.body_text
    assert "Sanadiki" not in story.body_text
    assert "Sanadiki" not in story.body_html


def test_seed_contributor_line_is_read_and_removed() -> None:
    story = _seed()
    assert story.contributors == ("Daniella Silva",)
    assert "contributed" not in story.body_text
    assert story.paragraphs[-1].startswith('"We are monitoring their location')


def test_seed_newsletter_box_and_site_furniture_are_nowhere_in_the_body() -> None:
    story = _seed()
    for furniture in ("Breaking News Emails", "Get breaking news alerts", "weekday mornings"):
        assert furniture not in story.body_text
        assert furniture not in story.body_html
    assert "Updated" not in story.body_text
    assert "By Courtney Kube" not in story.body_text


def test_seed_has_no_headline_and_is_flagged_rather_than_given_one() -> None:
    story = _seed()
    assert story.headline is None
    assert story.needs_headline is True


def test_seed_body_html_is_one_paragraph_element_per_paragraph() -> None:
    story = _seed()
    assert story.body_html.count("<p>") == len(story.paragraphs) == 16
    assert story.body_text.split("\n\n") == list(story.paragraphs)


@pytest.mark.parametrize(
    ("byline", "people", "agencies"),
    [
        ("By Ann Lee, Bo Chen and Cy Diaz", ("Ann Lee", "Bo Chen", "Cy Diaz"), ()),
        ("By Ann Lee and Reuters", ("Ann Lee",), ("Reuters",)),
        ("BY ANN LEE, ASSOCIATED PRESS", ("ANN LEE",), ("ASSOCIATED PRESS",)),
        ("By Paulo Santalucia and Frances d'Emilio", ("Paulo Santalucia", "Frances d'Emilio"), ()),
        ("By Ann Lee & Bo Chen, AFP", ("Ann Lee", "Bo Chen"), ("AFP",)),
        ("By Ann Lee, Pentagon correspondent", ("Ann Lee",), ()),
        ("By Ann Lee and Bo Chen, NBC News", ("Ann Lee", "Bo Chen"), ("NBC News",)),
        ("By The Associated Press", (), ("The Associated Press",)),
    ],
)
def test_bylines_with_several_people_and_agencies(
    byline: str, people: tuple[str, ...], agencies: tuple[str, ...]
) -> None:
    story = parse_text(f"{byline}\n\nTOKYO — Something happened today.", source="t")
    assert (story.byline_people, story.byline_agencies) == (people, agencies)


@pytest.mark.parametrize(
    ("first", "place", "lead"),
    [
        ("WASHINGTON — The vote passed.", "WASHINGTON", "The vote passed."),
        ("WASHINGTON \u2013 The vote passed.", "WASHINGTON", "The vote passed."),
        ("WASHINGTON -- The vote passed.", "WASHINGTON", "The vote passed."),
        ("HENNIKER, N.H. — Voters lined up.", "HENNIKER, N.H.", "Voters lined up."),
        ("Coralville, IA— Crews worked late.", "Coralville, IA", "Crews worked late."),
        ("Coralville, Iowa — Crews worked late.", "Coralville, Iowa", "Crews worked late."),
        ("NEW YORK (AP) -- Stocks fell.", "NEW YORK", "Stocks fell."),
        ("RIO DE JANEIRO — Rain fell.", "RIO DE JANEIRO", "Rain fell."),
        ("PARIS, Aug 30 (Reuters) - Rain fell.", "PARIS", "Rain fell."),
        ("BEIRUT, Lebanon, Sept. 3, 2017 — Rain fell.", "BEIRUT, Lebanon", "Rain fell."),
        ("NEW YORK (AP) _ Stocks fell.", "NEW YORK", "Stocks fell."),
        ("May Day — workers marched.", None, None),
        ("The U.S.-led coalition — unusually — said no.", None, None),
        ("Meanwhile — and this matters — prices rose.", None, None),
    ],
)
def test_datelines_with_every_kind_of_dash(first: str, place: str | None, lead: str) -> None:
    story = parse_text(f"By Ann Lee\n\n{first}\n\nSecond paragraph.", source="t")
    assert story.dateline == place
    assert story.lead == (lead or first)


def test_agency_in_a_dateline_counts_as_the_agency_when_the_byline_names_none() -> None:
    story = parse_text("NEW YORK (AP) -- Stocks fell sharply.", source="t")
    assert story.byline_agencies == ("AP",)
    assert story.dateline == "NEW YORK"


def test_a_headline_above_the_byline_is_kept() -> None:
    text = "Storm hits the coast\nBy Ann Lee\nMIAMI — Winds rose overnight.\n"
    story = parse_text(text, source="t")
    assert story.headline == "Storm hits the coast"
    assert story.needs_headline is False


@pytest.mark.parametrize(
    ("line", "people", "lead"),
    [
        ("By Ann Lee The vote passed on Monday.", ("Ann Lee",), "The vote passed on Monday."),
        ("By Ann Lee and Bo Ode Senators voted.", ("Ann Lee", "Bo Ode"), "Senators voted."),
        ("By Ann Lee President Kim spoke at noon.", ("Ann Lee",), "President Kim spoke at noon."),
        ("By Ann Marie Lee Rescuers reached them.", ("Ann Marie Lee",), "Rescuers reached them."),
    ],
)
def test_a_byline_run_into_the_first_sentence_is_split_off(
    line: str, people: tuple[str, ...], lead: str
) -> None:
    story = parse_text(f"{line} A second sentence follows.", source="t")
    assert story.byline_people == people
    assert story.lead == f"{lead} A second sentence follows."


def test_a_sentence_above_the_body_is_not_promoted_to_headline() -> None:
    story = parse_text("Winds rose overnight in Miami.\n\nPower is out.", source="t")
    assert story.headline is None
    assert story.lead == "Winds rose overnight in Miami."


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Ann Lee and Bo Chen contributed.", ("Ann Lee", "Bo Chen")),
        ("The Associated Press contributed to this report.", ("The Associated Press",)),
        ("Ann Lee contributed reporting from Beirut.", ("Ann Lee",)),
        ("Additional reporting by Bo Chen", ("Bo Chen",)),
    ],
)
def test_trailing_contributor_lines(line: str, names: tuple[str, ...]) -> None:
    story = parse_text(f"By Cy Diaz\n\nPARIS — It rained.\n\nMore rain.\n\n{line}", source="t")
    assert story.contributors == names
    assert story.paragraphs == ("PARIS — It rained.", "More rain.")


def test_a_credit_on_its_own_line_takes_the_line_before_as_caption() -> None:
    text = "By Cy Diaz\n\nPARIS — It rained.\n\nCrowds under umbrellas.\n\nJane Roe / AFP\n\nEnd."
    story = parse_text(text, source="t")
    assert [(i.caption, i.credit) for i in story.images] == [
        ("Crowds under umbrellas.", "Jane Roe / AFP")
    ]
    assert story.paragraphs == ("PARIS — It rained.", "End.")


def test_markup_in_scraped_text_is_escaped_not_executed() -> None:
    story = parse_text("By Ann Lee\n\nPARIS — <script>alert(1)</script> It rained.", source="t")
    assert "<script>" not in story.body_html
    assert "&lt;script&gt;" in story.body_html


def test_text_that_is_only_furniture_is_refused_naming_the_source() -> None:
    with pytest.raises(IngestError, match=r"^empty\.txt: no article text"):
        parse_text("Breaking News Emails\n / Updated \n\n", source="empty.txt")


def test_time_stamp_line_gives_published_and_updated_times_and_leaves_no_trace() -> None:
    text = (
        "Aug. 30, 2017 / 7:36 PM ET / Updated Aug. 30, 2017 / 9:02 PM ET\n"
        "By Courtney Kube\n\nWASHINGTON — Airstrikes stopped a convoy.\n"
    )
    story = parse_text(text, source="t")
    assert story.published_at == datetime(2017, 8, 30, 23, 36, tzinfo=UTC)
    assert story.updated_at == datetime(2017, 8, 31, 1, 2, tzinfo=UTC)
    assert story.headline is None
    assert story.paragraphs == ("WASHINGTON — Airstrikes stopped a convoy.",)


def test_a_photo_prefixed_credit_keeps_only_the_names() -> None:
    text = "By Cy Diaz\n\nPARIS — It rained.\n\nCrowds under umbrellas. Photo: Jane Roe / AFP\n"
    story = parse_text(text, source="t")
    assert [(i.caption, i.credit) for i in story.images] == [
        ("Crowds under umbrellas.", "Jane Roe / AFP")
    ]


@pytest.mark.parametrize(
    ("first", "place", "agencies"),
    [
        ("CHICAGO \u2013 The vote passed.", "CHICAGO", ()),
        ("CHICAGO, Ill. — The vote passed.", "CHICAGO, Ill.", ()),
        ("CHICAGO, Illinois \u2013 The vote passed.", "CHICAGO, Illinois", ()),
        ("CHICAGO (Reuters) - The vote passed.", "CHICAGO", ("Reuters",)),
        ("CHICAGO, Ill. (AP) \u2014 The vote passed.", "CHICAGO, Ill.", ("AP",)),
        ("ST. LOUIS — The vote passed.", "ST. LOUIS", ()),
    ],
)
def test_datelines_with_state_agency_and_any_separator(
    first: str, place: str, agencies: tuple[str, ...]
) -> None:
    story = parse_text(f"Headline here\n\n{first}\n\nMore.", source="t")
    assert (story.dateline, story.byline_agencies, story.lead) == (
        place,
        agencies,
        "The vote passed.",
    )
    assert story.headline == "Headline here"


@pytest.mark.parametrize(
    "line",
    [
        "by Ann Lee and Bo Chen /  / Updated",
        "By Ann Lee and Bo Chen / Updated",
        "BY Ann Lee and Bo Chen",
        "By Ann Lee and Bo Chen | Updated",
    ],
)
def test_a_byline_with_share_stamps_on_its_line_is_read_whole(line: str) -> None:
    story = parse_text(f"A headline\n{line}\nPARIS — It rained.", source="t")
    assert story.byline_people == ("Ann Lee", "Bo Chen")
    assert story.headline == "A headline"
    assert story.paragraphs == ("PARIS — It rained.",)


def test_a_byline_with_its_time_stamp_gives_the_time_and_the_names() -> None:
    story = parse_text("By Ann Lee / Aug. 30, 2017, 7:36 PM EDT\n\nPARIS — It rained.", source="t")
    assert story.byline_people == ("Ann Lee",)
    assert story.published_at == datetime(2017, 8, 30, 23, 36, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("NBC News' Ann Lee and Bo Chen contributed.", ("Ann Lee", "Bo Chen")),
        ("Reporting by Ann Lee; Editing by Bo Chen", ("Ann Lee",)),
        ("With reporting by Ann Lee and Reuters.", ("Ann Lee", "Reuters")),
    ],
)
def test_contributor_lines_in_other_forms(line: str, names: tuple[str, ...]) -> None:
    story = parse_text(f"By Cy Diaz\n\nPARIS — It rained.\n\n{line}", source="t")
    assert story.contributors == names
    assert story.paragraphs == ("PARIS — It rained.",)


def test_a_sentence_ending_in_contributed_is_not_a_contributor_line() -> None:
    story = parse_text(
        "By Cy Diaz\n\nPARIS — It rained.\n\nHe said the rain contributed.", source="t"
    )
    assert story.contributors == ()
    assert story.paragraphs[-1] == "He said the rain contributed."


def test_the_box_inside_a_line_is_cut_out_and_the_text_around_it_kept() -> None:
    text = (
        "Storm hits the coast Breaking News Emails Get breaking news alerts and special "
        "reports. The news and stories that matter, delivered weekday mornings. "
        "By Ann Lee\nMIAMI — Winds rose overnight."
    )
    story = parse_text(text, source="t")
    assert story.headline == "Storm hits the coast"
    assert story.byline_people == ("Ann Lee",)
    assert story.paragraphs == ("MIAMI — Winds rose overnight.",)


def test_the_box_after_the_byline_and_stray_stamps_in_the_body_are_removed() -> None:
    text = (
        "By Ann Lee\n\nBreaking News Emails\n\nGet breaking news alerts and special reports. "
        "The news and stories that matter, delivered weekday mornings.\n\n"
        "MIAMI — Winds rose overnight. / Updated\n\nShare this -\n\nPower is out."
    )
    story = parse_text(text, source="t")
    assert story.paragraphs == ("MIAMI — Winds rose overnight.", "Power is out.")


def test_a_sentence_that_opens_on_a_date_or_updated_keeps_it() -> None:
    text = "By Ann Lee\n\nJan. 12, 2019 was the coldest day.\n\nUpdated figures show more."
    story = parse_text(text, source="t")
    assert story.paragraphs == ("Jan. 12, 2019 was the coldest day.", "Updated figures show more.")
    assert story.published_at is None


def test_an_abbreviation_run_into_a_name_is_not_a_photo_credit() -> None:
    last = "The order went to the U.S.Army Corps of Engineers."
    story = parse_text(f"By Ann Lee\n\nPARIS — It rained.\n\n{last}", source="t")
    assert story.images == ()
    assert story.paragraphs[-1] == last
