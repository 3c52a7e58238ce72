"""`python -m lineage`: print column lineage, write it for the docs site, or check personal data.

    python -m lineage show --model fct_orders --column order_total
    python -m lineage show                      # every column of every mart
    python -m lineage docs                      # models/marts/_marts__column_lineage.md
    python -m lineage check                     # exit 1 if a mart carries personal data in clear

Reads target/manifest.json (and target/catalog.json when present): run `dbt compile` first
(`make lineage` and `make docs` do).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lineage.column_lineage import (
    ColumnRef,
    LineageError,
    Project,
    personal_data_violations,
)
from lineage.report import column_text, doc_block

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOC_PATH = Path("models/marts/_marts__column_lineage.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineage", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--target-path",
        type=Path,
        default=REPO_ROOT / "target",
        help="dbt's target folder holding manifest.json (default: target)",
    )
    parser.add_argument(
        "--layer",
        default="marts",
        help="the models to report on: a folder under models/ (default: marts)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print where columns come from")
    show.add_argument("--model", help="a model's name (default: every model of --layer)")
    show.add_argument("--column", help="one column of --model")
    show.add_argument(
        "--full", action="store_true", help="also print every trace, column by column"
    )
    docs = commands.add_parser("docs", help="write the lineage doc block for the docs site")
    docs.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / DEFAULT_DOC_PATH,
        help=f"the markdown file to write (default: {DEFAULT_DOC_PATH})",
    )
    check = commands.add_parser("check", help="fail if --layer carries personal data in clear")
    check.add_argument(
        "--meta-key",
        default="personal_data",
        help="the column meta flag marking personal data (default: personal_data)",
    )
    args = parser.parse_args(argv)

    try:
        project = Project.load(args.target_path)
        if args.command == "show":
            return _show(project, args)
        if args.command == "docs":
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(doc_block(project, project.models_in(args.layer), "staging"))
            print(f"wrote the column lineage of {args.layer} to {args.out}")
            return 0
        problems = personal_data_violations(project, args.layer, args.meta_key)
    except LineageError as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"no column of {args.layer} carries personal data in clear (unhashed, unscrubbed)")
    return 0


def _show(project: Project, args: argparse.Namespace) -> int:
    if args.column and not args.model:
        print("--column needs --model (MODEL=... with make lineage)", file=sys.stderr)
        return 2
    model_ids = [project.node_by_name(args.model)] if args.model else project.models_in(args.layer)
    if not model_ids:
        print(f"no models in models/{args.layer}", file=sys.stderr)
        return 2
    blocks = []
    for uid in model_ids:
        columns = [args.column] if args.column else project.columns_of(uid)
        for column in columns:
            blocks.append(column_text(project, ColumnRef(uid, column), "staging", args.full))
    print("\n".join(blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
