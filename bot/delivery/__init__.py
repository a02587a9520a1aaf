"""Delivery: the outbox sender — Telegram transport, limits and retries."""
