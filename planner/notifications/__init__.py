"""Notifications above the store: who is told what (`audience`) and the email outbox (`outbox`).

Events call `audience.deliver(bind, audience.<event>_messages(...))`; the inbox copy is stored by
`planner.store.notifications`, and the outbox emails it when `TRELLIS_SMTP_URL` is set.
"""
