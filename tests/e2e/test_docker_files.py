"""What the Dockerfile, .dockerignore and docker-compose.yml rely on, checked without a container engine:
the files they copy, the settings they set, the command they start, the user they run as, and the health
check's own command run against a real server started here."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
import yaml

from emojigen.config import Settings

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTING_NAMES = {f"EMOJIGEN_{f.name.upper()}" for f in fields(Settings)}


# -- reading the files ---------------------------------------------------------------------------------------


def instructions() -> list[tuple[int, str, str]]:
    """(stage number, INSTRUCTION, arguments) for every instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found, stage = [], -1
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        found.append((stage, keyword, rest.strip()))
    return found


def runtime() -> list[tuple[str, str]]:
    everything = instructions()
    last = max(stage for stage, _, _ in everything)
    return [(keyword, rest) for stage, keyword, rest in everything if stage == last]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for keyword, rest in stage:
        if keyword == "ENV":
            for word in shlex.split(rest):
                name, _, value = word.partition("=")
                values[name] = value
    return values


def exec_form(keyword: str, stage: list[tuple[str, str]]) -> list[str]:
    rest = [r for k, r in stage if k == keyword][-1]
    if keyword == "HEALTHCHECK":
        rest = rest[rest.index("CMD") + len("CMD"):].strip()
    return json.loads(rest)


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def the_service() -> dict:
    services = compose()["services"]
    assert len(services) == 1
    return next(iter(services.values()))


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the context) out of the build context: it or a folder
    above it matches a pattern (Docker's rules; `**` any number of folders; `!` lets a path back in)."""
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    parts = Path(path).parts
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        for depth in range(1, len(parts) + 1):
            if re.fullmatch(regex, "/".join(parts[:depth])):
                result = not negate
                break
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the Dockerfile ------------------------------------------------------------------------------------------


def test_every_copied_file_exists_and_is_in_the_build_context():
    copies = [rest for _, keyword, rest in instructions() if keyword in ("COPY", "ADD") and "--from=" not in rest]
    assert copies
    for rest in copies:
        words = [w for w in shlex.split(rest) if not w.startswith("--")]
        for source in words[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert not ignored(source), f"COPY {source}: .dockerignore leaves it out of the build context"


def test_stages_copied_from_exist():
    named = {m.group(1) for _, k, rest in instructions() if k == "FROM" and (m := re.search(r"\bAS (\S+)", rest))}
    for _, keyword, rest in instructions():
        if keyword == "COPY" and (m := re.search(r"--from=(\S+)", rest)):
            assert m.group(1) in named


def test_it_builds_in_stages_and_the_runtime_keeps_no_compilers():
    stages = [rest for _, keyword, rest in instructions() if keyword == "FROM"]
    assert len(stages) >= 2
    args = {name: value for _, k, rest in instructions() if k == "ARG" and "=" in rest
            for name, _, value in [rest.partition("=")]}
    base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], stages[-1].split()[0])
    assert base.startswith("nvidia/cuda:") and "ubuntu" in base
    build_tools = ("build-essential", "gcc", "g++", "clang", "python3.11-dev", "software-properties-common")
    runs = " ".join(rest for keyword, rest in runtime() if keyword == "RUN")
    assert "python3.11" in runs and not any(re.search(rf"(^|\s){re.escape(t)}(\s|$)", runs) for t in build_tools)
    builder = " ".join(rest for stage, keyword, rest in instructions() if keyword == "RUN" and stage == 0)
    assert "build-essential" in builder


def test_torch_is_the_cuda_build_of_the_version_run_sh_pins():
    pinned = re.search(r'TORCH_SPEC="\$\{EMOJIGEN_TORCH_SPEC:-(torch==[\d.]+)\}"', (ROOT / "run.sh").read_text())
    args = {rest.partition("=")[0]: rest.partition("=")[2] for _, k, rest in instructions() if k == "ARG"}
    assert pinned and args["TORCH_SPEC"] == pinned.group(1)
    assert re.fullmatch(r"https://download\.pytorch\.org/whl/cu\d+", args["TORCH_INDEX"])


def test_the_project_is_installed_not_editable():
    installs = [rest for _, keyword, rest in instructions() if keyword == "RUN" and "pip install ." in rest]
    assert installs and not any(re.search(r"pip install[^&]*\s(-e|--editable)\s", rest) for rest in installs)


def test_the_runtime_runs_as_a_user_who_owns_data():
    stage = runtime()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    runs = " ".join(rest for keyword, rest in stage if keyword == "RUN")
    assert re.search(rf"useradd\b[^&]*\b{users[-1]}\b", runs), "the user is made in the runtime stage"
    assert f"chown -R {users[-1]}:{users[-1]} /data" in runs
    assert ("VOLUME", "/data") in stage and ("EXPOSE", "7860") in stage


def test_every_emojigen_setting_named_is_one_the_app_reads():
    code = "".join(path.read_text(encoding="utf-8") for folder in ("emojigen", "ui")
                   for path in (ROOT / folder).rglob("*.py"))
    named = set(re.findall(r"EMOJIGEN_[A-Z0-9_]+", DOCKERFILE.read_text() + COMPOSE.read_text()))
    assert named
    for name in named:
        assert name in SETTING_NAMES or f'"{name}"' in code, f"{name} is not read by emojigen"


def test_the_image_settings_are_valid_and_point_into_data():
    env = env_of(runtime())
    settings = Settings.from_env(env)  # a wrong value raises
    assert settings.host == "0.0.0.0" and settings.port == 7860
    assert str(settings.outputs_dir).startswith("/data/") and env["HF_HOME"].startswith("/data/")
    first, *baked = settings.sd_download_dir.split(os.pathsep)
    assert first.startswith("/data/") and settings.lora_dir.startswith("/data/")
    copied_models = [rest.split()[-1] for keyword, rest in runtime() if keyword == "COPY" and "--from=models" in rest]
    assert baked == copied_models  # the models baked with BAKE_MODELS=1 are where the app looks
    assert settings.sd_model == "stable-diffusion-v1-5/stable-diffusion-v1-5"


def test_the_command_is_one_the_package_installs():
    command = exec_form("CMD", runtime())
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts
    from ui.cli import COMMANDS, build_parser

    args = build_parser().parse_args(command[1:])
    assert COMMANDS[args.command].__name__ == "_serve"


def test_models_are_baked_only_when_asked():
    args = [rest for _, keyword, rest in instructions() if keyword == "ARG"]
    assert "BAKE_MODELS=0" in args
    bake = next(rest for _, keyword, rest in instructions() if keyword == "RUN" and "BAKE_MODELS" in rest)
    module = re.search(r"python -m ([\w.]+)", bake).group(1)
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--model" in done.stdout


# -- the health check, against a real server ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def image_like_server(tmp_path_factory):
    """`emojigen serve` with the image's settings (its /data paths moved to a temporary folder): on this
    machine without a GPU the model download is not started, and the app serves the classic looks."""
    data = tmp_path_factory.mktemp("data")
    env = {**os.environ, **{k: v.replace("/data", str(data)) for k, v in env_of(runtime()).items()
                           if k.startswith(("EMOJIGEN_", "HF_", "GRADIO_"))}}
    port = _free_port()
    env.update(EMOJIGEN_HOST="127.0.0.1", EMOJIGEN_PORT=str(port), HF_HUB_OFFLINE="1")
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    try:
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.time() < deadline, "the server did not start"
            time.sleep(0.5)
        yield port, url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _health(command: list[str], port: int) -> subprocess.CompletedProcess:
    assert command[0] == "python"
    env = {**os.environ, "EMOJIGEN_PORT": str(port)}
    return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30)


def test_the_health_check_passes_on_a_running_app_and_fails_without_one(image_like_server):
    port, _ = image_like_server
    command = exec_form("HEALTHCHECK", runtime())
    assert _health(command, port).returncode == 0
    assert _health(command, _free_port()).returncode != 0  # nothing listens there


def test_the_image_settings_on_a_machine_without_a_gpu_serve_the_classic_looks(image_like_server):
    from gradio_client import Client

    _, url = image_like_server
    client = Client(url, verbose=False)
    deadline = time.time() + 60
    while True:  # the GPU check runs in the background (it imports torch)
        status = client.predict(api_name="/status")
        if status.get("download", {}).get("state") != "checking" or time.time() > deadline:
            break
        time.sleep(1)
    assert status["backend"] == "classic" and "no GPU" in status["en"]


# -- .dockerignore and docker-compose.yml ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [".git", ".venv", "outputs", ".pytest_cache", ".ruff_cache", "tests/.photo-cache",
                                  "tests/artifacts", "emojigen/__pycache__", "emojigen.egg-info"])
def test_dockerignore_leaves_out(path):
    assert ignored(path)


def test_dockerignore_keeps_what_the_image_is_built_from():
    for path in ("pyproject.toml", "setup.py", "README.md", "emojigen/pipeline.py", "ui/cli.py",
                 "assets/expressions.json"):
        assert not ignored(path)


def test_compose_reserves_a_gpu_and_keeps_data():
    service = the_service()
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert any("gpu" in device["capabilities"] for device in devices)
    assert any(str(volume).endswith(":/data") for volume in service["volumes"])
    assert "7860:7860" in [str(port) for port in service["ports"]]
    assert service["restart"] in ("always", "unless-stopped")
    assert service["build"]["context"] == "."
    dockerfile_args = {rest.partition("=")[0] for _, keyword, rest in instructions() if keyword == "ARG"}
    assert set(service["build"].get("args", {})) <= dockerfile_args


def test_compose_settings_are_valid_and_its_health_check_is_the_image_one():
    service = the_service()
    environment = {k: str(v) for k, v in service["environment"].items()}
    Settings.from_env({k: v for k, v in environment.items() if "${" not in v})
    assert service["healthcheck"]["test"] == ["CMD", *exec_form("HEALTHCHECK", runtime())]
