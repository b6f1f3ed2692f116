"""Run the double standalone.

    python -m stripe_double --data account.json --port 12111 [--key rk_test_...]
    python -m stripe_double --demo [--as-of 2026-05-01] [--seed 7] --port 12111
    python -m stripe_double --bulk --invoices 10000 --save bulk.json   # write, don't serve

Point the stripe library at the printed URL (see the package docstring).
"""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import date

from .app import DEFAULT_API_KEY, DEFAULT_EMBEDDED_LINES
from .dataset import StripeDataset
from .scenarios import bulk_dataset, demo_dataset, describe
from .server import serve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stripe_double", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="dataset JSON file written by StripeDataset.save()")
    source.add_argument("--demo", action="store_true", help="serve scenarios.demo_dataset()")
    source.add_argument("--bulk", action="store_true", help="serve scenarios.bulk_dataset()")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the scenario's today (YYYY-MM-DD); defaults to the current date")  # fmt: skip
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--invoices", type=int, default=10000, help="--bulk only")
    parser.add_argument("--lines-per-invoice", type=int, default=3, help="--bulk only")
    parser.add_argument("--fixtures", default=None, help="a fixtures3.json (else vendored)")
    parser.add_argument("--save", default=None, help="write the dataset to this file and exit")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--key", action="append", default=None,
                        help=f"accepted API key, repeatable (default {DEFAULT_API_KEY})")  # fmt: skip
    parser.add_argument("--embedded-lines", type=int, default=DEFAULT_EMBEDDED_LINES)
    return parser


def _dataset(args: argparse.Namespace) -> StripeDataset:
    if args.data:
        return StripeDataset.load(args.data, fixtures_path=args.fixtures)
    # The command line is the caller that owns "today" for the scenario builders.
    as_of = args.as_of or date.today()
    options = {"as_of": as_of, "fixtures_path": args.fixtures}
    if args.seed is not None:
        options["seed"] = args.seed
    if args.customers is not None:
        options["customers"] = args.customers
    if args.demo:
        return demo_dataset(**options)
    return bulk_dataset(invoices=args.invoices, lines_per_invoice=args.lines_per_invoice, **options)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    dataset = _dataset(args)
    print(describe(dataset), flush=True)
    if args.save:
        print(f"wrote {dataset.save(args.save)}")
        return 0
    keys = args.key or [DEFAULT_API_KEY]
    server = serve(dataset, args.host, args.port, api_keys=keys, embedded_lines=args.embedded_lines)
    print(f"Stripe double at {server.url} (keys: {', '.join(keys)}); Ctrl-C stops it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
