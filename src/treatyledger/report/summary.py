"""What the exercise and its report share about a treaty's central figures: the three New
START categories in the order the fact sheets print them, and a log's checkpoint as the
exercise saw it. The page itself is ``report.verification``."""

from __future__ import annotations

from dataclasses import dataclass

#: The three New START central categories, in the order the fact sheets print them.
CATEGORIES = (
    ("deployed_delivery_vehicles", "deployed ICBMs, SLBMs and heavy bombers"),
    ("deployed_warheads", "warheads on deployed ICBMs, SLBMs and heavy bombers"),
    ("deployed_and_nondeployed_launchers", "deployed and non-deployed launchers"),
)


@dataclass(frozen=True)
class CheckpointSummary:
    party: str
    origin: str
    size: int
    root: str
    cosigners: tuple[str, ...]
