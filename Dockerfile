# One image for every SaaS Tracker service (migrate, collector, metrics API, Dagster);
# docker-compose.yml picks the command. Dependencies come from the same lock as `make`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1 \
    DAGSTER_DISABLE_TELEMETRY=1 \
    GX_ANALYTICS_ENABLED=false \
    TRACKER_DATA_DIR=/data \
    DAGSTER_HOME=/opt/dagster/home

WORKDIR /app
# Dependencies first: this layer is reused until the lock or the SDK changes
# (the lock installs the SDK from sdk/python, editable).
COPY requirements.lock ./
COPY sdk/python sdk/python
RUN pip install --no-cache-dir "uv==$(sed -n 's/^uv==//p' requirements.lock)" \
 && uv pip install --system --no-cache -r requirements.lock \
 # Postgres storage for Dagster's run/event/schedule state (compose only; the local
 # instance uses SQLite). Same release train as dagster 1.13.27.
 && uv pip install --system --no-cache dagster-postgres==0.29.27

COPY . .
RUN uv pip install --system --no-cache --no-deps -e . \
 # Mount points exist and belong to the service user, so named volumes start out writable.
 && mkdir -p /data/spool /data/exports "$DAGSTER_HOME" \
 && cp docker/dagster.yaml "$DAGSTER_HOME/dagster.yaml" \
 && useradd --system --uid 10001 tracker \
 && chown -R tracker /data "$DAGSTER_HOME" /app/dbt_project
USER tracker

CMD ["saas-tracker", "--help"]
