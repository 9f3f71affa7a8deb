# The web app for docker-compose.yml: Debian 13's GDAL 3.10 / GEOS / PROJ, the project, granian.
FROM python:3.11-slim-trixie
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# Static files are collected with the production settings (DEBUG=0): only then does WhiteNoise's
# manifest exist, without which every page answers 500. tests/test_production.py runs these lines.
RUN pip install --no-cache-dir . \
    && DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgis://build@/none python manage.py compilemessages \
    && DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgis://build@/none python manage.py collectstatic --no-input
RUN useradd --system --home /app volmap
USER volmap
EXPOSE 8000
