"""The delivery ledger: one row per (campaign, reader), the work queue and the record of sends.

Unique on (campaign, subscriber), so a repeated fan-out chunk queues nobody twice. A
row's life:

    queued ──claim──► sending ──► sent | failed | cancelled | expired
       ▲                 │
       └── retry later ──┤ (4xx, relay unreachable: send_after moves on, attempts + 1)
       └── lease expired ┘ (the worker died: swept back by the scheduler)

A worker claims due rows by marking them `sending` with its id and a lease in one short
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers share
the queue), sends outside any transaction, then records outcomes in groups. Claims read
the (campaign, status, send_after, id) index, so a claim costs the same at a campaign's
first row as at its millionth.

Modules by job: `audience` (who a send reaches), `fanout` and `briefing` (writing rows),
`claims`, `outcomes`, `counts`, and `sql` (the engine's `Ledger` over all of them).
"""
