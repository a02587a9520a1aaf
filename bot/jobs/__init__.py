"""Timed work: reminders and escalations, digests, backups."""
