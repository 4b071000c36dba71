"""Personalised batches for the JSON APIs: a template read once, each reader's values apart.

A provider relay that takes one message with substitutions per recipient (SendGrid's
personalizations, Mailgun's recipient variables) groups a batch's envelopes into
`runs`: consecutive envelopes of one template (see `transports.seam`), none of whose
recipients repeats (both APIs refuse an address twice in one request), at most the
API's limit. A `Shared` is the template's fields read back once (`providers.fields`,
cached per template), split into what every reader shares and what holds a
placeholder: the headers that differ per reader (Message-ID, List-Unsubscribe,
threading) and the slots the bodies and subject use.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from bulletin.mail.transports.providers import http
from bulletin.mail.transports.providers.fields import MessageFields, message_fields
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply, Template


@dataclass(frozen=True)
class Shared:
    """A template's fields: those shared by its readers, and where their values go."""

    fields: MessageFields
    slots: tuple[tuple[str, str], ...]  # (name, placeholder), in the order of `values`
    fixed_headers: tuple[tuple[str, str], ...]  # the same for every reader
    own_headers: tuple[tuple[str, str], ...]  # with placeholders: filled per reader
    body_slots: tuple[int, ...]  # indexes of the slots in the subject, text or HTML

    def named(self, values: Sequence[bytes]) -> dict[str, str]:
        """A reader's values by slot name (the slots a reader has no value for left out)."""
        return {name: value.decode() for (name, _), value in zip(self.slots, values, strict=False)}

    def fill(self, text: str, values: Sequence[bytes]) -> str:
        """`text` with this reader's values in place of the placeholders."""
        for (_, placeholder), value in zip(self.slots, values, strict=False):
            if placeholder in text:
                text = text.replace(placeholder, value.decode())
        return text

    def own(self, values: Sequence[bytes]) -> dict[str, str]:
        """This reader's values put into the headers that differ per reader."""
        return {name: self.fill(value, values) for name, value in self.own_headers}

    def message_id(self, values: Sequence[bytes]) -> str | None:
        """This reader's Message-ID."""
        found = self.fields.message_id
        return self.fill(found, values) if found else None

    def in_place(self, text: str, spell: dict[str, str]) -> str:
        """`text` with each placeholder respelled as the provider's (`spell`: name → tag)."""
        for name, placeholder in self.slots:
            if name in spell:
                text = text.replace(placeholder, spell[name])
        return text


@functools.lru_cache(maxsize=64)
def shared(template: Template) -> Shared:
    """The template's fields, read once (templates are compared by identity)."""
    fields = message_fields(template.source)
    placeholders = [placeholder for _, placeholder in template.slots]
    fixed: list[tuple[str, str]] = []
    own: list[tuple[str, str]] = []
    for name, value in fields.headers:
        (own if any(p in value for p in placeholders) else fixed).append((name, value))
    bodies = "\0".join(b for b in (fields.subject, fields.text, fields.html) if b is not None)
    return Shared(
        fields=fields,
        slots=template.slots,
        fixed_headers=tuple(fixed),
        own_headers=tuple(own),
        body_slots=tuple(i for i, p in enumerate(placeholders) if p in bodies),
    )


def runs(envelopes: Sequence[Envelope], *, limit: int) -> Iterator[list[Envelope]]:
    """The batch in order, as requests: a run of one template's envelopes (no recipient
    twice, at most `limit`), or one envelope alone when it has no template."""
    run: list[Envelope] = []
    seen: set[str] = set()
    for envelope in envelopes:
        address = envelope.recipient.lower()
        fits = (
            run
            and envelope.template is not None
            and envelope.template is run[0].template
            and address not in seen
            and len(run) < limit
        )
        if run and not fits:
            yield run
            run, seen = [], set()
        run.append(envelope)
        seen.add(address)
        if envelope.template is None:
            yield run
            run, seen = [], set()
    if run:
        yield run


async def send_in_runs(
    envelopes: Sequence[Envelope],
    *,
    limit: int,
    send_run: Callable[[list[Envelope]], Awaitable[list[Reply]]],
) -> BatchResult:
    """A batch as the relays that send runs (`runs`) answer it: each run's replies in
    order; a provider out of reach or a request lost ends the batch, as the seam says."""
    replies: list[Reply] = []
    for run in runs(envelopes, limit=limit):
        try:
            replies += await send_run(run)
        except http.Unreachable as exc:
            return BatchResult(replies, str(exc))
        except http.Lost as exc:
            missing = len(envelopes) - len(replies)
            return BatchResult(replies + http.lost(missing, str(exc)).replies)
    return BatchResult(replies)
