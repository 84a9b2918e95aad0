"""`joinedup link`: re-link every current mention into people, honouring people's review decisions."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from joinedup.core.actor import ActorRef
from joinedup.core.progress import command_reporter
from joinedup.people.services import LinkageTrainingError, linkage_needed, linkage_run


class Command(BaseCommand):
    help = (
        "Link all current mentions into people with the stored Splink model (training one first if there is "
        "none, or with --train). Person ids stay stable across runs; review decisions override the model."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                            help="Where Splink predicts: DuckDB on this machine, or Spark (see docs/linkage.md).")
        parser.add_argument("--spark-master", default=os.environ.get("JOINEDUP_SPARK_MASTER", "local[2]"),
                            help="Spark master URL for --engine spark (spark://host:7077, yarn, k8s://…); "
                                 "default $JOINEDUP_SPARK_MASTER or local[2].")
        parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                            help="Extra Spark configuration, e.g. spark.executor.memory=8g (repeatable).")
        parser.add_argument("--spark-checkpoint-dir", default=None,
                            help="Checkpoint directory every executor can reach (HDFS, S3, shared volume).")
        parser.add_argument("--train", action="store_true", help="Train a new model before linking.")
        parser.add_argument("--if-needed", action="store_true",
                            help="Do nothing when every current mention is already linked (for `make demo` re-runs).")
        parser.add_argument("--charts", default=None,
                            help="Directory for the model's charts (HTML, viewable offline). Default var/linkage-charts.")

    def handle(self, *args, engine, train, charts, if_needed, spark_master, spark_conf, spark_checkpoint_dir,
               **options):
        if if_needed and not train and not linkage_needed():
            self.stdout.write("Every current mention is already linked; nothing to do.")
            return
        charts_dir = str(Path(charts) if charts else Path(settings.VAR_DIR) / "linkage-charts")
        bad = [item for item in spark_conf if "=" not in item]
        if bad:
            raise CommandError(f"--spark-conf: expected KEY=VALUE, got {bad[0]!r}")
        spark_options = {
            "master": spark_master,
            "config": dict(item.split("=", 1) for item in spark_conf),
            "checkpoint_dir": spark_checkpoint_dir,
        }
        try:
            run = linkage_run(
                actor=ActorRef.system("joinedup link"), engine_name=engine, train=train, charts_dir=charts_dir,
                progress=command_reporter(self.stderr), spark_options=spark_options,
            )
        except LinkageTrainingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{run.mentions:,} mentions, {run.identity_rows:,} identity rows → {run.persons:,} people "
            f"({run.persons_created:,} new, {run.persons_merged:,} merged); {run.links_changed:,} links changed; "
            f"{run.review_items:,} matches wait for review."
        )
