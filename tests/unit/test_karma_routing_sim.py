"""The seeded routing simulation (tools/routing_sim.py), on a small shift: karma routing against FIFO,
through the app's own routing decisions."""

from __future__ import annotations

from typing import Any

import pytest

from tools import routing_sim
from tools.routing_sim import Config

SMALL = Config(seed=6, tickets=300, tier1=4, tier2=2, customers=200)


def test_karma_routing_spreads_difficult_customers_answers_literate_ones_sooner_and_breaches_no_more_slas() -> None:
    result = routing_sim.compare(SMALL)
    fifo, karma = result["fifo"], result["karma"]
    assert fifo["tickets"] == karma["tickets"] == 300
    assert karma["sla_breaches"] <= fifo["sla_breaches"]
    assert karma["difficult_share_first_line"]["max_over_mean"] < fifo["difficult_share_first_line"]["max_over_mean"]
    assert karma["literate_first_reply_minutes"]["mean"] < fifo["literate_first_reply_minutes"]["mean"]
    assert karma["skipped_first_line"] > 0 and fifo["skipped_first_line"] == 0


def test_the_simulation_is_reproducible_from_its_seed() -> None:
    assert routing_sim.compare(SMALL) == routing_sim.compare(SMALL)
    assert routing_sim.run(SMALL, "karma") != routing_sim.run(Config(**{**SMALL.__dict__, "seed": 7}), "karma")


def test_the_simulation_calls_the_apps_routing_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.karma import policy

    calls = {"route_intake": 0, "take_order": 0}
    real_route, real_order = policy.route_intake, policy.take_order

    def route_intake(*args: Any, **kwargs: Any) -> policy.IntakeRoute:
        calls["route_intake"] += 1
        return real_route(*args, **kwargs)

    def take_order(*args: Any, **kwargs: Any) -> list[Any]:
        calls["take_order"] += 1
        return real_order(*args, **kwargs)

    monkeypatch.setattr(policy, "route_intake", route_intake)
    monkeypatch.setattr(policy, "take_order", take_order)
    routing_sim.run(Config(seed=1, tickets=40, tier1=2, tier2=1, customers=30), "karma")
    assert calls["route_intake"] == 40 and calls["take_order"] >= 40


def test_the_command_line_prints_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    routing_sim.main(["--tickets", "30", "--tier1", "2", "--tier2", "1", "--customers", "20"])
    out = capsys.readouterr().out
    assert '"fifo"' in out and '"karma"' in out
