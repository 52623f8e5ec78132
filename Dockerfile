# syntax=docker/dockerfile:1
# Replicas Portal: ASGI (gunicorn + uvicorn workers), non-root, static files collected at build.

FROM python:3.12-slim AS build
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.12
COPY . .
# collectstatic needs settings to load: throwaway values, build time only.
RUN SECRET_KEY=build-only DEBUG=false STATIC_MANIFEST=true DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    /opt/venv/bin/python manage.py collectstatic --no-input -v 0

FROM python:3.12-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=false STATIC_MANIFEST=true PORT=8000 WEB_CONCURRENCY=1
RUN groupadd --system portal && useradd --system --gid portal --home-dir /app --no-create-home portal
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=portal:portal /app /app
RUN mkdir -p /app/var && chown portal:portal /app/var
USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)" || exit 1
# Migrations run once per deploy: `docker run ... python manage.py migrate`.
# More than one worker or instance needs REDIS_URL: login throttling and the create form's
# double-submit guard live in the cache, which is per-process memory without it.
CMD ["sh", "-c", "exec gunicorn portal.asgi:application -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY} --graceful-timeout 20 --keep-alive 5 --access-logfile -"]
