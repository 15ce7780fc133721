"""The installed `emojigen` command: the library's subcommands plus `serve` (the web app, the default)."""

from __future__ import annotations

import sys
from pathlib import Path

from emojigen.cli import build_parser, run_command, setup_logging
from emojigen.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser, sub = build_parser()
    serve = sub.add_parser("serve", help="serve the web app at http://127.0.0.1:7860 (the default)")
    serve.add_argument("--host", help="address to listen on (EMOJIGEN_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (EMOJIGEN_PORT, default 7860)")
    serve.add_argument("--outputs", type=Path, help="where stickers are saved (EMOJIGEN_OUTPUTS_DIR)")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a in sub.choices or a in ("-h", "--help") for a in argv):
        # No subcommand: serve. `emojigen -v --port 8000` == `emojigen -v serve --port 8000`.
        leading = 0
        while leading < len(argv) and argv[leading] in ("-v", "--verbose"):
            leading += 1
        argv.insert(leading, "serve")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.command != "serve":
        return run_command(args)

    from emojigen.pipeline import Pipeline
    from ui.app import launch

    settings = Settings.from_env(host=args.host, port=args.port, outputs_dir=args.outputs)
    launch(Pipeline(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
