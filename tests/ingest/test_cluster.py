"""Near-duplicates: an agency story and a newsroom rewrite share a cluster; others do not."""

from __future__ import annotations

from bulletin.ingest.cluster import ClusterIndex, signature

AGENCY = (
    "WASHINGTON (AP) — Coalition airstrikes stopped hundreds of ISIS militants and civilians "
    "Wednesday from moving from one threatened ISIS enclave in Syria to another hundreds of "
    "miles east. ISIS had negotiated a ceasefire with Hezbollah, the Lebanese government and "
    "the Russian-backed Assad regime that included a deal to evacuate ISIS militants and their "
    "families. The U.S.-led coalition had not agreed to the evacuation plan, officials said."
)
REWRITE = (
    "Coalition airstrikes on Wednesday stopped hundreds of ISIS militants and civilians from "
    "moving from one threatened ISIS enclave in Syria to another hundreds of miles east, U.S. "
    "officials told our reporters. ISIS had negotiated a ceasefire with Hezbollah, the Lebanese "
    "government and the Russian-backed Assad regime that included a deal to evacuate ISIS "
    "militants and their families. The U.S.-led coalition had not agreed to the evacuation plan."
)
OTHER = (
    "A strong earthquake struck Tokyo on Tuesday, shaking buildings and halting trains across "
    "the capital, officials said. There were no immediate reports of damage. The agency said "
    "the quake had a magnitude of 6.1 and was centred offshore."
)


def test_rewrite_of_an_agency_story_joins_its_cluster() -> None:
    index = ClusterIndex()
    index.add(10, signature(AGENCY), cluster_id=10)
    assert index.match(signature(REWRITE)) == 10


def test_an_unrelated_story_starts_its_own_cluster() -> None:
    index = ClusterIndex()
    index.add(10, signature(AGENCY), cluster_id=10)
    assert index.match(signature(OTHER)) is None


def test_signatures_survive_a_round_trip_through_bytes() -> None:
    sig = signature(AGENCY)
    assert len(sig) == 128 * 8
    assert signature(AGENCY) == sig  # deterministic across calls (and processes)
