FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1
# CPU PyTorch first, so nothing later pulls a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY indexer ./indexer
COPY ranking ./ranking
COPY api ./api
COPY mappings ./mappings
COPY kibana ./kibana
COPY demo ./demo
RUN pip install -e .
EXPOSE 8000
CMD ["tandem", "serve", "--host", "0.0.0.0", "--port", "8000"]
