# syntax=docker/dockerfile:1
# Tandem: one container running gunicorn (and, from the background-jobs work on, the Huey
# consumer). Build: docker build -t tandem .   Run: see README.md "Deploying the container".

# --- Python dependencies ----------------------------------------------------------------------
FROM python:3.11-slim AS python-deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml constraints.txt ./
# Only the runtime dependencies, at the locked versions: the project's own code is copied into
# the final stage.
RUN python -m venv /app/.venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /app/.venv/bin/pip install -c constraints.txt -r /tmp/requirements.txt

# --- Front-end assets (Tailwind CSS, vendored htmx and icons) -------------------------------
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tailwind.config.js ./
COPY scripts/build-icons.mjs ./scripts/
COPY static ./static
COPY templates ./templates
COPY web ./web
COPY accounts ./accounts
COPY workspace ./workspace
# Tailwind scans crispy-tailwind's templates at the same path as in a local checkout.
COPY --from=python-deps /app/.venv/lib/python3.11/site-packages/crispy_tailwind/templates \
     ./.venv/lib/python3.11/site-packages/crispy_tailwind/templates
RUN npm run build

# --- Runtime ------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=project.settings.production \
    PORT=8000
RUN groupadd --system tandem && useradd --system --gid tandem --home-dir /app tandem
WORKDIR /app
COPY --from=python-deps /app/.venv ./.venv
COPY . .
COPY --from=assets /app/static/build ./static/build
COPY --from=assets /app/static/vendor ./static/vendor
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0 \
 && chown -R tandem:tandem /app
USER tandem
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
ENTRYPOINT ["scripts/entrypoint.sh"]
