"""Train, evaluate and cross-validate the 12345 ticket classifier from a labelled CSV file.

    tickets_classifier train    --csv FILE --text COL[,COL…] --label COL [--out PATH] [--baseline]
    tickets_classifier evaluate --csv FILE --text COL[,COL…] --label COL [--model PATH]
    tickets_classifier crossval --csv FILE --text COL[,COL…] --label COL [--folds 5] [--baseline]

Each prints one JSON line. The work is done in onewindow.tickets.classifier.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.errors import DomainError
from onewindow.tickets import classifier


def _add_data_args(parser: CommandParser) -> None:
    parser.add_argument("--csv", required=True, help="labelled CSV file")
    parser.add_argument("--text", required=True,
                        help="text column(s), comma-separated; several are joined")
    parser.add_argument("--label", required=True, help="label column")


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 2:
        raise argparse.ArgumentTypeError("must be at least 2")
    return number


class Command(BaseCommand):
    help = "Train, evaluate or cross-validate the 12345 ticket classifier (prints one JSON line)."
    requires_system_checks: list[str] = []  # no database, no URLs: nothing to check first

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="fit on a CSV file and save a versioned model")
        _add_data_args(train)
        train.add_argument("--out", help="models directory (default VAR_DIR/models/tickets) "
                                         "or a *.joblib file")
        train.add_argument("--baseline", action="store_true",
                           help="train the plain TF-IDF + LogisticRegression baseline")
        evaluate = sub.add_parser("evaluate", help="figures of a saved model on a CSV file")
        _add_data_args(evaluate)
        evaluate.add_argument("--model", help="models directory, version directory or model "
                                              "file (default: the current model)")
        crossval = sub.add_parser("crossval", help="cross-validated figures, against the baseline")
        _add_data_args(crossval)
        crossval.add_argument("--folds", type=_positive_int, default=5)
        crossval.add_argument("--baseline", action="store_true",
                              help="cross-validate the baseline only")
        crossval.add_argument("--no-compare", action="store_true",
                              help="do not cross-validate the baseline for comparison")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = classifier.read_labelled_csv(
                options["csv"], text_columns=options["text"], label_column=options["label"],
            )
            action = options["action"]
            if action == "train":
                model = classifier.train(data, baseline=options["baseline"])
                out = Path(options["out"]) if options.get("out") else None
                path = classifier.model_save(model, out=out)
                result = {"command": "train", "model_version": model.version,
                          "model_kind": model.kind, "path": str(path), **model.meta}
            elif action == "evaluate":
                result = classifier.evaluate(classifier.model_load(options.get("model")), data)
            else:
                result = classifier.crossval(
                    data, folds=options["folds"], baseline=options["baseline"],
                    compare=not options["no_compare"],
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(classifier.to_json_line(result))
