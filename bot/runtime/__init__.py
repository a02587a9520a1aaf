"""Process-wide facilities every layer may use: the injected clock, keyed locks, structured logs."""
