"""Alert proposals: urgent wire stories shown to editors, and auto-send where a feed allows."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bulletin.domain.alerts import draft_from_story
from bulletin.domain.errors import BulletinError
from bulletin.domain.models import AlertDraft
from bulletin.domain.stories import Story, alert_reason
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.stories.ingest import ItemResult
from bulletin.store.stories import proposals
from bulletin.store.stories import versions as story_store

log = logging.getLogger(__name__)


def open_proposals(ctx: Context) -> list[proposals.Proposal]:
    """What the editor dashboard shows: proposals no one has acted on, newest first."""
    with ctx.db.transaction() as conn:
        return proposals.open_proposals(conn)


@dataclass(frozen=True)
class ProposalView:
    """A proposal as the dashboard shows it, with the alert it would make."""

    proposal: proposals.Proposal
    draft: AlertDraft


def proposal_views(ctx: Context, limit: int = 20) -> list[ProposalView]:
    """Open proposals with a ready-to-edit alert draft from each story, newest first."""
    with ctx.db.transaction() as conn:
        found = proposals.open_proposals(conn)[:limit]
        stored = {p.story_id: story_store.get(conn, p.story_id) for p in found}
    views = []
    for proposal in found:
        item = stored[proposal.story_id]
        if item is not None:
            views.append(ProposalView(proposal, _draft(item.story)))
    return views


def _draft(story: Story) -> AlertDraft:
    draft = draft_from_story(story)
    return AlertDraft(headline=draft.headline, summary=draft.summary, url=draft.url)


def propose_lifted_embargoes(ctx: Context) -> int:
    """Propose urgent stories whose embargo has passed since they were ingested."""
    now = ctx.clock()
    made = 0
    with ctx.db.transaction() as conn:
        for story_id in proposals.embargo_lifted(conn, now=now):
            stored = story_store.get(conn, story_id)
            reason = alert_reason(stored.story, now) if stored else None
            if reason and proposals.propose(
                conn, story_id=story_id, reason=reason, feed_id=None, now=now
            ):
                made += 1
    return made


def auto_send(ctx: Context, results: list[ItemResult]) -> list[int]:
    """Fire an alert for each newly proposed story (only for feeds set to auto-send).

    A story that does not make a valid alert (no link, say) stays a proposal for an
    editor. Returns the campaign ids fired.
    """
    fired: list[int] = []
    for result in results:
        stored = result.story
        if stored is None or not result.proposed:
            continue
        draft = draft_from_story(stored.story, story_id=stored.id)
        try:
            campaign = alerts.fire_alert(ctx, draft, actor=None)
        except BulletinError as exc:
            log.warning("story %s left for an editor: %s", stored.id, exc)
            continue
        with ctx.db.transaction() as conn:
            proposals.mark_sent(conn, stored.id, campaign_id=campaign.campaign_id, now=ctx.clock())
        fired.append(campaign.campaign_id)
    return fired
