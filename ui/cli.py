"""The `emojigen` command: serve (the default), generate, pack, templates, bench, export-onnx, train-lora.

The options of `generate` and `pack` are made from the request spec (emojigen/spec.py): the same names,
defaults, ranges and help as the API's parameters and the page's controls. Values are passed on as
typed, and the library checks them, so a bad value gets the same message here as everywhere else.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from emojigen.config import Settings
from emojigen.errors import EmojigenError
from emojigen.spec import ANIMATE_API, PACK_API, STICKER_API, Param, Request, defaults, params

SHORT_FLAGS = {"text": "-t"}
GENERATE_FIELDS = tuple(dict.fromkeys(STICKER_API + ANIMATE_API))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emojigen", description="Face photo + feeling -> meme sticker (表情包)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve the web app at http://127.0.0.1:7860 (the default)")
    serve.add_argument("--host", help="address to listen on (EMOJIGEN_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (EMOJIGEN_PORT, default 7860)")
    serve.add_argument("--outputs", type=Path, help="where stickers are saved (EMOJIGEN_OUTPUTS_DIR)")
    scale = serve.add_argument_group("replicas (Ray Serve; needs pip install \"emojigen[scale]\")")
    scale.add_argument("--replicas", type=int, help="run the pipeline as this many Ray Serve replicas (a local "
                       "Ray cluster, or the one in RAY_ADDRESS)")
    scale.add_argument("--min-replicas", type=int, help="autoscale: at least this many replicas")
    scale.add_argument("--max-replicas", type=int, help="autoscale: at most this many replicas")
    scale.add_argument("--target-ongoing-requests", type=float, help="autoscale: requests per replica to aim for")
    scale.add_argument("--replica-cpus", type=float, help="CPUs each replica reserves (default 1)")
    scale.add_argument("--replica-gpus", type=float, help="GPUs each replica reserves (default: 1 if any)")
    scale.add_argument("--scale-config", type=Path, help="a YAML file with these settings (the flags win)")

    gen = sub.add_parser("generate", help="make one sticker without a server")
    add_request_arguments(gen, GENERATE_FIELDS)
    gen.add_argument("--animate", dest="animate_kind", action="store_true",
                     help="animated (WebP, GIF, and the platform's own format)")
    gen.add_argument("-o", "--output", type=Path, default=None,
                     help="where to write the sticker (default sticker.png; with --animate or --platform "
                          "the fitted or animated file, by its extension)")

    pack = sub.add_parser("pack", help="a whole sticker pack from one photo, zipped for one chat app")
    add_request_arguments(pack, PACK_API)
    pack.add_argument("-o", "--output", type=Path, default=Path("."), help="folder for the ZIP")

    sub.add_parser("templates", help="list the built-in templates")

    from emojigen.bench import add_arguments

    add_arguments(sub.add_parser("bench", help="time the pipeline's stages and img2img (plain vs fast) here"))

    onnx = sub.add_parser("export-onnx", help="export a Stable Diffusion model to ONNX (EMOJIGEN_SD_BACKEND=onnx)")
    onnx.add_argument("model", help="a model folder, .safetensors checkpoint or hub id (as EMOJIGEN_SD_MODEL)")
    onnx.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    onnx.add_argument("--int8", action="store_true", help="int8 MatMul weights (onnxruntime dynamic quantisation)")
    onnx.add_argument("--lora", action="append", default=[], metavar="NAME:WEIGHT",
                      help="fuse this LoRA (a name in EMOJIGEN_LORA_DIR or a .safetensors path); repeatable; "
                           "an LCM-LoRA enables fast mode")
    onnx.add_argument("--tiny-vae", default="", metavar="PATH",
                      help="also export this tiny VAE (TAESD folder or hub id)")
    onnx.add_argument("--config", default="",
                      help="for a single-file checkpoint: its diffusers layout (EMOJIGEN_SD_CONFIG)")

    from emojigen.diffusion.train_command import add_arguments as add_training_arguments

    add_training_arguments(sub.add_parser("train-lora", help="train a LoRA adapter (a style or an expression) "
                                          "on a folder of captioned pictures"))
    return parser


def add_request_arguments(parser: argparse.ArgumentParser, names: tuple[str, ...]) -> None:
    """One option per request field the command takes, from its declaration. Every default is None:
    a left-out option means the declared default, resolved by the library as for every client."""
    declared = params()
    diffusion = parser.add_argument_group("Stable Diffusion (when EMOJIGEN_SD_MODEL is set)")
    for name in names:
        param = declared[name]
        if param.cli is None:
            continue
        group = diffusion if name in ("diffusion", "lora", "lora_scale", "strength", "steps", "guidance", "fast") \
            else parser
        if param.cli == "":
            group.add_argument(name, nargs="?", default=None, metavar="PHOTO", help=option_help(param))
        elif param.kind == "bool":
            # A flag turns the default around: --shadow for a default of False, --no-captions for True.
            group.add_argument(param.cli, dest=name, action="store_const", const=not defaults()[name], default=None,
                               help=option_help(param))
        else:
            flags = [param.cli] + ([SHORT_FLAGS[name]] if name in SHORT_FLAGS else [])
            group.add_argument(*flags, dest=name, default=None, metavar=param.kind.upper(), help=option_help(param))


def option_help(param: Param) -> str:
    parts = [param.help_en or param.en]
    accepted = param.describe_range("en")
    if accepted:
        parts.append(accepted)
    default = defaults()[param.name]
    if default not in (None, "") and param.kind != "bool":
        parts.append(f"default {default}")
    return "; ".join(parts).replace("%", "%%")


def request_from_args(args: argparse.Namespace, names: tuple[str, ...]) -> Request:
    return Request(**{name: getattr(args, name) for name in names if hasattr(args, name)})


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = ("serve", "generate", "pack", "templates", "bench", "export-onnx", "train-lora")
    if not any(a in commands or a in ("-h", "--help") for a in argv):
        # No subcommand: serve. `emojigen -v --port 8000` == `emojigen -v serve --port 8000`.
        leading = 0
        while leading < len(argv) and argv[leading] in ("-v", "--verbose"):
            leading += 1
        argv.insert(leading, "serve")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return COMMANDS[args.command](args)
    except EmojigenError as exc:
        print(exc.message(), file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    from emojigen.factory import build_pipeline
    from ui.app import launch

    settings = Settings.from_env(host=args.host, port=args.port, outputs_dir=args.outputs)
    scaling = {"replicas": args.replicas, "min_replicas": args.min_replicas, "max_replicas": args.max_replicas,
               "target_ongoing_requests": args.target_ongoing_requests, "num_cpus": args.replica_cpus,
               "num_gpus": args.replica_gpus}
    if args.scale_config is None and all(value is None for value in scaling.values()):
        launch(_models_provided(build_pipeline(settings)))  # one process, as always: no Ray
        return 0
    from emojigen.scale.options import ReplicaOptions
    from emojigen.scale.ray_serve import start_replicas

    launch(start_replicas(settings, ReplicaOptions.load(args.scale_config, **scaling)))
    return 0


def _models_provided(pipeline: Any) -> Any:
    """With EMOJIGEN_SD_DOWNLOAD_DIR (set in the GPU image): a hub model not yet downloaded is fetched in the
    background while the classic looks serve, then switched on (emojigen/diffusion/download.py)."""
    if pipeline.settings.sd_download_dir:
        from emojigen.diffusion.download import provide_models

        provide_models(pipeline)
    return pipeline


def _generate(args: argparse.Namespace) -> int:
    from emojigen.factory import build_pipeline

    pipeline = build_pipeline()
    request = request_from_args(args, GENERATE_FIELDS)
    sticker = pipeline.animate(request) if args.animate_kind else pipeline.run(request)
    source = sticker.platform_file or (sticker.files["animation.webp"] if args.animate_kind else sticker.png_path)
    output = args.output or Path(f"sticker{source.suffix}")
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, output)
    summary = sticker.summary()
    print(f"{output}: {summary['expression']} (intensity {summary['intensity']}), "
          f"caption {summary['caption']!r}, {summary['timings_ms']['total']:.0f} ms")
    _print_notes(sticker.warnings)
    return 0


def _pack(args: argparse.Namespace) -> int:
    from emojigen.factory import build_pipeline

    pack = build_pipeline().pack(request_from_args(args, PACK_API))
    args.output.mkdir(parents=True, exist_ok=True)
    output = args.output / pack.zip_path.name
    shutil.copyfile(pack.zip_path, output)
    print(f"{output}: {len(pack.members)} {pack.platform} stickers, {pack.timings['total']:.1f} s")
    _print_notes(pack.warnings)
    return 0


def _print_notes(notices: list[Any]) -> None:
    for notice in notices:
        print(f"note: {notice.text()}", file=sys.stderr)


def _templates(args: argparse.Namespace) -> int:
    from emojigen.sticker.templates import load_templates

    for template in load_templates().values():
        need = "photo needed" if template.needs_photo else "no photo needed"
        print(f"{template.name:<16} {template.title['zh']} / {template.title['en']} ({need})")
    return 0


def _export_onnx(args: argparse.Namespace) -> int:
    from emojigen.diffusion.onnx_export import export_onnx, resolve_adapters

    settings = Settings.from_env()
    adapters = resolve_adapters(args.lora, settings.lora_dir)
    manifest = export_onnx(args.model, args.output, int8=args.int8, adapters=adapters, tiny_vae=args.tiny_vae,
                           config=args.config or settings.sd_config, report=print)
    fused = ", ".join(f"{a['name']}:{a['weight']:g}" for a in manifest["adapters"]) or "none"
    print(f"{args.output}: {'int8' if manifest['int8'] else 'fp32'}, fused LoRA: {fused}, fast mode: "
          f"{'yes' if manifest['lcm'] else 'no'}, tiny VAE: {manifest['tiny_vae'] or 'no'}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from emojigen.bench import run

    return run(args)


def _train_lora(args: argparse.Namespace) -> int:
    from emojigen.diffusion.train_command import run

    return run(args)


COMMANDS = {"serve": _serve, "generate": _generate, "pack": _pack, "templates": _templates, "bench": _bench,
            "export-onnx": _export_onnx, "train-lora": _train_lora}


if __name__ == "__main__":
    sys.exit(main())
