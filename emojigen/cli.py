"""The `emojigen` command's library subcommands: generate, pack, templates, bench.

`serve` is added by ui.cli, the installed entry point, because the web app lives in `ui` and the
library never imports it."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from emojigen.config import Settings
from emojigen.errors import EmojigenError


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(prog="emojigen", description="Face photo + feeling -> meme sticker (表情包)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command")

    gen = sub.add_parser("generate", help="make one sticker without a server")
    gen.add_argument("photo", type=Path, nargs="?",
                     help="a face photo (JPG, PNG, WebP); not needed with a character template")
    gen.add_argument("--text", "-t", default="", help="how you feel, e.g. 开心 or 'very surprised'")
    gen.add_argument("--style", default="photo", help="photo, cartoon, sketch, pixel or meme")
    gen.add_argument("--caption", default=None, help="caption text; '' for none; left out: automatic")
    gen.add_argument("--seed", type=int, default=None)
    gen.add_argument("--intensity", type=float, default=1.0, help="0 to 1.5, default 1.0")
    gen.add_argument("--template", help="a built-in template (see `emojigen templates`)")
    gen.add_argument("--platform", help="also fit it to wechat, telegram, whatsapp, line or discord")
    gen.add_argument("--caption-position", default="bottom", choices=["bottom", "top"])
    gen.add_argument("--outline-width", type=int, default=None, help="pixels; 0 for none")
    gen.add_argument("--outline-color", default="#ffffff")
    gen.add_argument("--shadow", action="store_true", help="a soft drop shadow")
    gen.add_argument("--animate", action="store_true", help="animated (WebP, GIF, and the platform format)")
    add_diffusion_arguments(gen)
    gen.add_argument("-o", "--output", type=Path, default=None,
                     help="where to write the sticker (default sticker.png; with --animate or --platform "
                          "the fitted or animated file, by its extension)")

    pack = sub.add_parser("pack", help="a whole sticker pack from one photo, zipped for one chat app")
    pack.add_argument("photo", type=Path, nargs="?", help="a face photo; optional with a character template")
    pack.add_argument("--platform", default="wechat", help="wechat, telegram, whatsapp, line or discord")
    pack.add_argument("--count", type=int, default=None, help="stickers in the pack (WeChat: 8, 16 or 24)")
    pack.add_argument("--expressions", default=None, help="which ones, e.g. '开心,哭,生气' (default: a varied set)")
    pack.add_argument("--style", default="photo")
    pack.add_argument("--template", default=None)
    pack.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of the captions")
    pack.add_argument("--no-captions", action="store_true")
    pack.add_argument("--animate", action="store_true", help="animated stickers in the platform's format")
    pack.add_argument("--seed", type=int, default=None)
    add_diffusion_arguments(pack)
    pack.add_argument("-o", "--output", type=Path, default=Path("."), help="folder for the ZIP")

    sub.add_parser("templates", help="list the built-in templates")

    from emojigen.bench import add_arguments

    add_arguments(sub.add_parser("bench", help="time the pipeline's stages and img2img (plain vs fast) here"))
    return parser, sub


def add_diffusion_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Stable Diffusion (when EMOJIGEN_SD_MODEL is set)")
    group.add_argument("--no-diffusion", action="store_true", help="use the classic looks even with a model")
    group.add_argument("--lora", default=None, help="LoRA adapters: 'name' or 'name:0.8,other:0.4'")
    group.add_argument("--lora-scale", type=float, default=None, help="multiplies every adapter's weight")
    group.add_argument("--strength", type=float, default=None, help="img2img strength, default 0.45")
    group.add_argument("--steps", type=int, default=None, help="scheduler steps, default 20")
    group.add_argument("--guidance", type=float, default=None, help="guidance scale, default 7")
    group.add_argument("--fast", action="store_true", help="LCM-LoRA fast mode (4 steps)")


def diffusion_values(args: argparse.Namespace) -> dict:
    return {"diffusion": not args.no_diffusion, "lora": args.lora, "lora_scale": args.lora_scale,
            "strength": args.strength, "steps": args.steps, "guidance": args.guidance, "fast": args.fast}


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")


def run_command(args: argparse.Namespace) -> int:
    """Run a library subcommand; user errors print in both languages and exit with status 2."""
    try:
        if args.command == "generate":
            return _generate(args)
        if args.command == "pack":
            return _pack(args)
        if args.command == "templates":
            return _templates()
        if args.command == "bench":
            from emojigen.bench import run

            return run(args)
    except EmojigenError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    raise SystemExit(f"unknown command: {args.command}")


def main(argv: list[str] | None = None) -> int:
    parser, _ = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    setup_logging(args.verbose)
    return run_command(args)


def _generate(args: argparse.Namespace) -> int:
    from emojigen.pipeline import Pipeline, StickerRequest

    pipeline = Pipeline(Settings.from_env())
    request = StickerRequest(image=args.photo, text=args.text, style=args.style, caption=args.caption, seed=args.seed,
                             intensity=args.intensity, template=args.template, platform=args.platform,
                             caption_position=args.caption_position, outline_width=args.outline_width,
                             outline_color=args.outline_color, shadow=args.shadow, **diffusion_values(args))
    sticker = pipeline.animate(request) if args.animate else pipeline.run(request)
    source = sticker.platform_file or (sticker.files["animation.webp"] if args.animate else sticker.png_path)
    output = args.output or Path(f"sticker{source.suffix}")
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, output)
    summary = sticker.summary()
    print(f"{output}: {summary['expression']} (intensity {summary['intensity']}), "
          f"caption {summary['caption']!r}, {sum(summary['timings_ms'].values()):.0f} ms")
    for warning in sticker.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return 0


def _pack(args: argparse.Namespace) -> int:
    from emojigen.pack import PackRequest, make_pack
    from emojigen.pipeline import Pipeline

    pipeline = Pipeline(Settings.from_env())
    pack = make_pack(pipeline, PackRequest(image=args.photo, platform=args.platform, count=args.count,
                                           expressions=args.expressions, style=args.style, template=args.template,
                                           lang=args.lang, captions=not args.no_captions, animated=args.animate,
                                           seed=args.seed, **diffusion_values(args)))
    args.output.mkdir(parents=True, exist_ok=True)
    output = args.output / pack.zip_path.name
    shutil.copyfile(pack.zip_path, output)
    print(f"{output}: {len(pack.members)} {pack.platform} stickers, {sum(pack.timings.values()):.1f} s")
    for warning in pack.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return 0


def _templates() -> int:
    from emojigen.sticker.templates import load_templates

    for template in load_templates().values():
        need = "photo needed" if template.needs_photo else "no photo needed"
        print(f"{template.name:<16} {template.title['zh']} / {template.title['en']} ({need})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
