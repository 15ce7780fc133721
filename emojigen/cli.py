"""The `emojigen` command's library subcommands (generate; later pack and bench).

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
    gen.add_argument("photo", type=Path, help="a face photo (JPG, PNG, WebP)")
    gen.add_argument("--text", "-t", default="", help="how you feel, e.g. 开心 or 'very surprised'")
    gen.add_argument("--style", default="photo", help="photo, cartoon or sketch")
    gen.add_argument("--caption", default=None, help="caption text; '' for none; left out: automatic")
    gen.add_argument("--seed", type=int, default=None)
    gen.add_argument("--intensity", type=float, default=1.0, help="0 to 1.5, default 1.0")
    gen.add_argument("-o", "--output", type=Path, default=Path("sticker.png"), help="where to write the PNG")
    return parser, sub


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")


def run_command(args: argparse.Namespace) -> int:
    """Run a library subcommand; user errors print in both languages and exit with status 2."""
    try:
        if args.command == "generate":
            return _generate(args)
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
    sticker = pipeline.run(StickerRequest(image=args.photo, text=args.text, style=args.style,
                                          caption=args.caption, seed=args.seed, intensity=args.intensity))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sticker.png_path, args.output)
    summary = sticker.summary()
    print(f"{args.output}: {summary['expression']} (intensity {summary['intensity']}), "
          f"caption {summary['caption']!r}, {sum(summary['timings_ms'].values()):.0f} ms")
    for warning in sticker.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
