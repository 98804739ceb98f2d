"""Outbound notifications: rules, the delivery outbox, channels (Telegram, email),
per-user preferences and the Telegram circuit breaker.

In-app notifications (`dataops.services.notify`) stay the source: each one whose kind has a
rule here is also queued in the outbox, and the sender delivers it outside the app.
"""
