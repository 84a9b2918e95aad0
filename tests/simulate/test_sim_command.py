"""The `simulate` management command parses its options and writes an authority."""

from __future__ import annotations

import json
from pathlib import Path

from joinedup_lab.simulate.management.commands.simulate import Command


def test_command_writes_an_authority_and_prints_a_summary(tmp_path: Path, capsys: object) -> None:
    cmd = Command()
    parser = cmd.create_parser("manage.py", "simulate")
    opts = parser.parse_args(
        [
            "--children",
            "300",
            "--years",
            "1",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--noise-scale",
            "0.5",
            "--harm-per-10k",
            "100",
            "--no-progress",
        ]
    )
    cmd.handle(**vars(opts))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["children"] == 300
    assert manifest["config"]["noise"]["scale"] == 0.5
    assert manifest["config"]["rates"]["harm_children_per_10k"] == 100
    assert (tmp_path / "truth" / "mentions.csv").is_file()
