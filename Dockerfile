FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY model ./model
RUN pip install --no-cache-dir . && useradd --system --home /data hedgerow
USER hedgerow
ENV HEDGEROW_DATA_DIR=/data
EXPOSE 8000
CMD ["hedgerow", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
