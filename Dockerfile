# emojigen on a GPU cloud: `docker build -t emojigen . && docker run --gpus all -p 7860:7860 emojigen`
# With Stable Diffusion styling, mount the weights and name them:
#   docker run --gpus all -p 7860:7860 -v /srv/models:/models \
#     -e EMOJIGEN_SD_MODEL=/models/stable-diffusion-v1-5 -e EMOJIGEN_LORA_DIR=/models/lora emojigen
# Same steps as run.sh: torch first (here the CUDA build), then the project.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    EMOJIGEN_HOST=0.0.0.0 \
    EMOJIGEN_PORT=7860 \
    EMOJIGEN_OUTPUTS_DIR=/data/outputs \
    HF_HOME=/data/huggingface

RUN apt-get update && apt-get install -y --no-install-recommends software-properties-common \
    && add-apt-repository -y ppa:deadsnakes/ppa && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv fonts-noto-cjk fonts-noto-color-emoji libgl1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN python3.11 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CUDA 12.8 build of the same torch version run.sh pins for CPU machines.
RUN pip install --no-cache-dir --upgrade pip \
    && pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128

COPY pyproject.toml setup.py README.md ./
COPY emojigen ./emojigen
COPY ui ./ui
COPY assets ./assets
RUN pip install --no-cache-dir -e .

VOLUME /data
EXPOSE 7860
CMD ["emojigen", "serve"]
