"""The ``specguard`` command: ``serve``, ``check-config`` (and the evaluation tools)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import cast

from detectors.base import DetectorConfig
from proxy.config import Config, ConfigError, load_config

_DEFAULT_CONFIG = "config.toml"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(prog="specguard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the proxy")
    serve.add_argument("--config", help="config file (default: $SPECGUARD_CONFIG or config.toml)")
    serve.add_argument("--host", help="interface to bind (default: [server].host)")
    serve.add_argument("--port", type=int, help="port to bind (default: [server].port)")
    serve.add_argument("--workers", type=int, help="worker processes (default: [server].workers)")
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check-config", help="validate a config file")
    check.add_argument("path", nargs="?", help="config file (default: $SPECGUARD_CONFIG)")
    check.set_defaults(run=_check_config)

    evaluate = commands.add_parser("eval", help="measure a detector on a labelled JSONL file")
    evaluate.add_argument("file", help="JSONL in the ../shared/eval-data schema")
    evaluate.add_argument("--detector", help="detector name (default: the rows' task)")
    evaluate.add_argument("--corpus", help="protected-text directory to index first (copyright)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--raw",
        action="store_true",
        help="score the detector alone, without the proxy's normalised and decoded variants",
    )
    evaluate.add_argument(
        "--disguise", help="disguise every row's text first (rot13, spaced, tags, ...)"
    )
    evaluate.set_defaults(run=_eval)

    index = commands.add_parser("index", help="fingerprint a protected-text corpus ahead of time")
    index.add_argument("directory", help="directory of protected texts")
    index.add_argument("-o", "--output", required=True, help="fingerprint file to write")
    index.set_defaults(run=_index)

    train = commands.add_parser("train", help="retrain a detector model from ../shared/eval-data")
    train.add_argument("name", help="model to train (e.g. injection, jailbreak, cbrn, nsfw)")
    train.add_argument("--data", default="../shared/eval-data", help="eval-data directory")
    train.set_defaults(run=_train)

    crossval = commands.add_parser(
        "crossval", help="leave-one-source-out evaluation of a trainable detector"
    )
    crossval.add_argument("name", help="model to evaluate (e.g. cbrn, nsfw, jailbreak)")
    crossval.add_argument("--data", default="../shared/eval-data", help="eval-data directory")
    crossval.add_argument(
        "--train-data", default="../shared/train-data", help="benign and extra labelled sources"
    )
    crossval.add_argument("--max-fpr", type=float, help="calibration target on the benign set")
    crossval.add_argument("--json", action="store_true", help="print one JSON object")
    crossval.add_argument(
        "--strict",
        action="store_true",
        help="drop rows whose label the source did not annotate (category S_unlabelled:*)",
    )
    crossval.add_argument(
        "--shipped",
        action="store_true",
        help="score with the shipped constants instead of choosing them inside each fold",
    )
    crossval.set_defaults(run=_crossval)

    args = parser.parse_args(argv)
    return int(args.run(args))


def _config_path(given: str | None) -> str:
    return given or os.environ.get("SPECGUARD_CONFIG") or _DEFAULT_CONFIG


def _load_or_report(path: str) -> Config | None:
    """The config at ``path``, or None after printing each problem with its key path."""
    try:
        return load_config(path)
    except ConfigError as exc:
        for key_path, problem in exc.problems:
            print(f"{path}: {key_path}: {problem}", file=sys.stderr)
        return None


def _check_config(args: argparse.Namespace) -> int:
    path = _config_path(args.path)
    config = _load_or_report(path)
    if config is None:
        return 2
    from proxy.effective import policy_lines

    print(
        f"{path}: ok ({len(config.tenants)} tenants, {len(config.upstreams)} upstreams, "
        f"{len(config.routes)} routes)"
    )
    for name, tenant in config.tenants.items():
        print(f"tenant {name}:")
        print("\n".join(f"  {line}" for line in policy_lines(tenant)))
    return 0


def _eval(args: argparse.Namespace) -> int:
    import orjson

    from detectors.disguise import DISGUISES
    from detectors.evaluation import evaluate, format_table, read_rows
    from detectors.registry import DETECTORS

    if args.disguise is not None and args.disguise not in DISGUISES:
        known = ", ".join(DISGUISES)
        print(f"unknown disguise {args.disguise!r} (known: {known})", file=sys.stderr)
        return 2
    rows = read_rows(args.file)
    name = args.detector or (rows[0]["task"] if rows else "")
    if name not in DETECTORS:
        print(f"unknown detector {name!r} (known: {', '.join(DETECTORS)})", file=sys.stderr)
        return 2
    plugin = DETECTORS.get(name)
    table = {"corpora": [args.corpus]} if args.corpus else {}
    config = cast(DetectorConfig, plugin.config_model.model_validate(table))
    disguise = DISGUISES[args.disguise] if args.disguise else None
    result = evaluate(rows, plugin.factory(config), config, raw=args.raw, disguise=disguise)
    print(orjson.dumps(result).decode() if args.json else format_table(result, name))
    return 0


def _index(args: argparse.Namespace) -> int:
    from detectors.copyright_index import build_index_file

    return build_index_file(args.directory, args.output)


def _train(args: argparse.Namespace) -> int:
    from detectors.train import train

    return int(train(args.name, args.data))


def _crossval(args: argparse.Namespace) -> int:
    import orjson

    from detectors.attacktrain import RECIPES
    from detectors.loso import format_report, run
    from detectors.train import TRAINERS

    if args.name in RECIPES:  # injection and jailbreak: the wider composed corpus
        from detectors import loso_injection

        result = loso_injection.run(args.name, args.data, args.train_data, args.max_fpr)
        print(orjson.dumps(result).decode() if args.json else loso_injection.format_report(result))
        return 0
    if args.name not in TRAINERS:
        print(f"unknown model {args.name!r} (known: {', '.join(TRAINERS)})", file=sys.stderr)
        return 2
    result = run(
        args.name,
        args.data,
        args.train_data,
        args.max_fpr,
        strict=args.strict,
        tune=not args.shipped,
    )
    print(orjson.dumps(result).decode() if args.json else format_report(result))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    path = _config_path(args.config)
    config = _load_or_report(path)
    if config is None:
        return 2
    host = args.host or config.server.host
    port = args.port or config.server.port
    workers = args.workers or config.server.workers
    os.environ["SPECGUARD_CONFIG"] = os.path.abspath(path)
    owned_metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Our own directory for the workers' metric files; removed when serving ends.
        owned_metrics_dir = tempfile.mkdtemp(prefix="specguard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = owned_metrics_dir
    try:
        uvicorn.run(
            "proxy.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="auto",
            http="auto",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=10,
        )
    finally:
        if owned_metrics_dir is not None:
            shutil.rmtree(owned_metrics_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
