"""treatyledger.analysis: upload capacity, breakout timelines, stockpile-vs-destroy, force
levels over time. Pure: values in, values out (parameters are parsed from mappings; files are
read by ``treatyledger.files.analysis_params``; plots are drawn by
``treatyledger.report.analysis_plots``).

API summary
-----------
``UploadParameters.from_mapping(data)`` (every value with a source or ``assumption = true``);
``upload_potential(inventory, catalog, params, party=None) -> UploadResult``
(``.currently_deployed_warheads``, ``.max_deployed_warheads``, ``.systems[type].binding``,
``.legs()``, ``.to_json_dict()``); ``after_upload(inventory, catalog, result) -> Inventory``;
``breakout(inventory, catalog, params, party=None) -> BreakoutTimeline`` (``.days``,
``.deployed``, ``.by_leg``, ``.stages``, ``.days_to_reach(level)``);
``compare(inventory, catalog, params, rule_sets, scenarios=("stockpile", "destroy")) ->
Comparison``; ``trajectory(series_points, rule_set, party, official) -> Trajectory``.
"""

from treatyledger.analysis.breakout import BreakoutTimeline, Stage, breakout
from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.hypothetical import after_upload
from treatyledger.analysis.parameters import UploadParameters
from treatyledger.analysis.scenarios import Comparison, ScenarioResult, apply_scenario, compare
from treatyledger.analysis.trajectory import Trajectory, trajectory
from treatyledger.analysis.upload import UploadResult, force_of, upload_potential

__all__ = [
    "AnalysisParameterError",
    "BreakoutTimeline",
    "Comparison",
    "ScenarioResult",
    "Stage",
    "Trajectory",
    "UploadParameters",
    "UploadResult",
    "after_upload",
    "apply_scenario",
    "breakout",
    "compare",
    "force_of",
    "trajectory",
    "upload_potential",
]
