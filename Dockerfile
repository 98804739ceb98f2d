# One image for web, worker and beat (the command differs per service in docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATAOPS_VAR_DIR=/var/lib/dataops

RUN apt-get update \
 && apt-get install -y --no-install-recommends git curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 dataops \
 && mkdir -p /var/lib/dataops && chown dataops /var/lib/dataops

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are collected at build time and served by whitenoise from gunicorn.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput -v0

USER dataops
EXPOSE 8000
# Worker model: gunicorn.conf.py (WEB_WORKERS processes × WEB_THREADS threads).
CMD ["gunicorn", "dataops.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
