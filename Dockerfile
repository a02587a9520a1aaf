# syntax=docker/dockerfile:1
# The bot as a small image: docker build -t smi-bot .   (step by step: docs/deployment.md)

# ---- build stage: a virtual environment with the package and its runtime dependencies only ----------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
WORKDIR /src

# Dependencies first (from pyproject.toml [project] dependencies, never the dev extra): this layer is
# rebuilt only when pyproject.toml changes, so an update of the code alone builds in seconds.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
 && /opt/venv/bin/pip install -r requirements.txt

COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY deadlines ./deadlines
# A regular (not editable) install: the code, migrations and data files are copied into the venv.
# pip, setuptools and the test suites of numpy/matplotlib (about 25 MB) are not needed to run.
RUN /opt/venv/bin/pip install --no-deps . \
 && /opt/venv/bin/pip uninstall --yes pip setuptools \
 && rm -rf /opt/venv/lib/python3.11/site-packages/numpy/*/tests \
           /opt/venv/lib/python3.11/site-packages/numpy/tests \
           /opt/venv/lib/python3.11/site-packages/matplotlib/tests

# ---- final stage: Python, the venv and nothing else (no compilers, no pip, no sources) ----------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TZ=Europe/Moscow \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/data/bot.sqlite3 \
    CALENDAR_PATH=/data/calendar.json \
    BACKUP_DIR=/data/backups \
    WEB_HOST=0.0.0.0

# A fixed uid/gid (10001) so that a host folder can be given to the container with chown 10001:10001.
# /app/data points at /data: a .env copied from .env.example (DATABASE_PATH=./data/…) still lands in the volume.
RUN groupadd --system --gid 10001 smibot \
 && useradd --system --uid 10001 --gid smibot --home-dir /data --no-create-home --shell /usr/sbin/nologin smibot \
 && mkdir -p /data /app \
 && chown smibot:smibot /data \
 && ln -s /data /app/data

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER smibot
VOLUME ["/data"]
# The web port (health check; the webhook in webhook mode): WEB_PORT, 8080 by default. Outside a container
# the bot listens on 127.0.0.1 by default; inside it must listen on all of the container's addresses
# (WEB_HOST above) so that a published port reaches it — publish it to the host's loopback only.
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('WEB_PORT') or '8080'), timeout=4)"]

CMD ["python", "-m", "bot"]
