#!/usr/bin/env bash
# emojigen in one command.
#   ./run.sh [--host H] [--port P]   serve the app (first run: creates .venv and installs everything)
#   ./run.sh test [pytest args]      run the whole test suite
#   ./run.sh generate PHOTO --text 开心 -o out.png   any other `emojigen` subcommand
#   ./run.sh pack PHOTO --platform wechat -o DIR     a whole sticker pack as a ZIP
#   ./run.sh serve --replicas 2      the pipeline as Ray Serve replicas (installs the scale extra)
set -euo pipefail
cd "$(dirname "$0")"

VENV="${EMOJIGEN_VENV:-.venv}"
# Installed first and pinned: an unpinned torch pulls several GB of CUDA packages on a CPU machine.
TORCH_SPEC="${EMOJIGEN_TORCH_SPEC:-torch==2.13.0}"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "emojigen needs Python 3.11 (python3.11 was not found)" >&2
  exit 1
}

ensure_env() {  # $1: the pip extras to install ("" or "test")
  local extras="$1"
  local spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  # Reinstall only when the dependencies change or new extras are asked for, so later runs start in seconds.
  local stamp
  stamp="$VENV/.emojigen-$( (cat pyproject.toml setup.py; echo "$TORCH_SPEC") | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && { [ -z "$extras" ] || grep -qx "$extras" "$stamp"; }; then
    return 0
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "[emojigen] creating $VENV"
    "$(find_python)" -m venv "$VENV"
  fi
  echo "[emojigen] installing dependencies into $VENV (first run only: a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "$TORCH_SPEC"
  "$VENV/bin/python" -m pip install --quiet -e "$spec"
  if [ ! -f "$stamp" ]; then
    rm -f "$VENV"/.emojigen-*
    : > "$stamp"
  fi
  [ -n "$extras" ] && echo "$extras" >> "$stamp"
  return 0
}

case "${1:-}" in
  test)
    shift
    ensure_env test
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  serve)
    # Replicas need the scale extra (Ray Serve); one process does not.
    case " $* " in
      *" --replicas"*|*" --min-replicas"*|*" --max-replicas"*|*" --scale-config"*) ensure_env scale ;;
      *) ensure_env "" ;;
    esac
    exec "$VENV/bin/emojigen" "$@"
    ;;
  generate|pack|templates|bench)
    ensure_env ""
    exec "$VENV/bin/emojigen" "$@"
    ;;
  *)
    ensure_env ""
    exec "$VENV/bin/emojigen" serve "$@"
    ;;
esac
