"""``python -m bot.fake_telegram --port 8081``: the fake Bot API for manual play. It prints its URL; type
``<user_id> <text>`` to push a private message, ``cb <user_id> <message_id> <data>`` to push a callback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterable

from bot.fake_telegram.server import FakeBotAPI


async def _console(server: FakeBotAPI) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            await asyncio.Event().wait()  # stdin closed: keep serving
        parts = line.strip().split(maxsplit=3)
        try:
            if len(parts) == 4 and parts[0] == "cb":
                server.push_update(server.callback(int(parts[1]), int(parts[1]), parts[3], int(parts[2])))
            elif len(parts) >= 2:
                user_id, _, text = line.strip().partition(" ")
                server.push_update(server.user_message(int(user_id), text))
            elif parts:
                print("usage: <user_id> <text> | cb <user_id> <message_id> <data>", flush=True)
        except ValueError as exc:
            print(f"error: {exc}", flush=True)


async def _serve(host: str, port: int, enforce_limits: bool) -> None:
    server = FakeBotAPI(enforce_limits=enforce_limits, log_calls=True)
    url = await server.start(host, port)
    print(f"Fake Bot API listening on {url} (set TELEGRAM_API_URL={url})", flush=True)
    try:
        await _console(server)
    finally:
        await server.stop()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local fake Telegram Bot API for manual play and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.enforce_limits))


if __name__ == "__main__":
    main()
