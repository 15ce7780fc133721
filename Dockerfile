# syntax=docker/dockerfile:1
# emojigen on a GPU cloud (README, "Docker (GPU cloud)"): `docker compose up -d`, or
#   docker build -t emojigen . && docker run -d --gpus all -p 7860:7860 -v emojigen-data:/data emojigen
# On its first start the app serves the classic looks while Stable Diffusion 1.5 and the LCM-LoRA download
# into /data/models (about 5.5 GB; the page's status line shows how far), then switches Stable Diffusion on.
# `--build-arg BAKE_MODELS=1` downloads them while building instead: a larger image, no download at start.
# Another model: -e EMOJIGEN_SD_MODEL=<hub id of an SD 1.x/2.x model in diffusers layout>, or a folder in /data.

# The CUDA base only: torch's CUDA wheels bring their own CUDA runtime and cuDNN, and the host's driver is
# mounted by the NVIDIA container toolkit.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-base-ubuntu24.04

# ---- builder: Python 3.11, compilers, and every package installed into /opt/venv ----------------------
FROM ${CUDA_IMAGE} AS builder
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cu128
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Ubuntu 24.04 ships Python 3.12: 3.11 comes from the deadsnakes archive, whose source list and key the
# runtime stage copies from here.
RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common gpg-agent \
    && mkdir -p /etc/apt/keyrings && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python3.11 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CUDA 12.8 build of the torch version run.sh pins for CPU machines, installed first (as run.sh does)
# so the project's torch range keeps it.
RUN pip install --upgrade pip && pip install "$TORCH_SPEC" --index-url "$TORCH_INDEX"
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY emojigen ./emojigen
COPY ui ./ui
COPY assets ./assets
# Not editable: the package (its assets included) lives in the venv, and the runtime needs no source tree.
RUN pip install . && pip check

# ---- models: empty, or (BAKE_MODELS=1) the files the first start would download --------------------------
FROM builder AS models
ARG BAKE_MODELS=0
ARG SD_MODEL=stable-diffusion-v1-5/stable-diffusion-v1-5
RUN mkdir -p /models \
    && if [ "$BAKE_MODELS" = "1" ]; then \
         HF_HOME=/tmp/hf python -m emojigen.diffusion.download --model "$SD_MODEL" /models \
         && rm -rf /tmp/hf /models/*/.cache; \
       fi

# ---- runtime: the interpreter, fonts and the venv; no compilers ------------------------------------------
FROM ${CUDA_IMAGE} AS runtime
ARG APP_UID=1000
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=builder /etc/apt/sources.list.d/ /etc/apt/sources.list.d/
COPY --from=builder /etc/apt/trusted.gpg.d/ /etc/apt/trusted.gpg.d/
COPY --from=builder /etc/apt/keyrings/ /etc/apt/keyrings/
# CJK and colour emoji fonts: captions in every caption font, emoji included.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 ca-certificates fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/* \
    && (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --uid "$APP_UID" --user-group --create-home --shell /usr/sbin/nologin emojigen \
    && mkdir -p /data/outputs /data/models /data/lora /data/huggingface \
    && chown -R emojigen:emojigen /data
COPY --from=builder /opt/venv /opt/venv
COPY --from=models /models /opt/emojigen/models

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    HF_HOME=/data/huggingface \
    EMOJIGEN_HOST=0.0.0.0 \
    EMOJIGEN_PORT=7860 \
    EMOJIGEN_OUTPUTS_DIR=/data/outputs \
    EMOJIGEN_SD_MODEL=stable-diffusion-v1-5/stable-diffusion-v1-5 \
    EMOJIGEN_LORA_DIR=/data/lora \
    EMOJIGEN_SD_DOWNLOAD_DIR=/data/models:/opt/emojigen/models

USER emojigen
WORKDIR /home/emojigen
VOLUME /data
EXPOSE 7860
# Gradio's /config: answered by the running app itself (about 10 ms), without the queue or any model.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/config' % os.environ.get('EMOJIGEN_PORT', '7860'), timeout=8)"]
CMD ["emojigen", "serve"]
