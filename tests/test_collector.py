"""The collector's tuning for batch work and serving (core/collector.py) is undone on leaving,
and every batch command runs under it."""

from __future__ import annotations

import argparse
import gc

import pytest
from qcredit.api import cli
from qcredit.api.cli import schema
from qcredit.core import collector


def test_tuned_sets_the_thresholds_freezes_and_restores_both() -> None:
    before = gc.get_threshold()
    with collector.tuned(collector.BATCH):
        assert gc.get_threshold() == collector.BATCH
        assert gc.get_freeze_count() > 0  # what existed is out of every later collection
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # nothing left that the collector cannot reclaim


def test_tuned_restores_after_a_failure() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.tuned(collector.SERVING):
        raise RuntimeError("the command failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_batch_command_runs_under_the_batch_thresholds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[int, int, int]] = []

    def run(_args: argparse.Namespace) -> int:
        seen.append(gc.get_threshold())
        return 0

    monkeypatch.setattr(schema, "run", run)
    before = gc.get_threshold()
    assert cli.main(["schema"]) == 0
    assert seen == [collector.BATCH]
    assert gc.get_threshold() == before
