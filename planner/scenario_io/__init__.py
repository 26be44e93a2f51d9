"""Scenario import and export: CSV folders, Excel workbooks and scenario.json, in and out.

The contract is docs/scenario-format.md. Readers report every problem in one run as
`planner.domain.Problem`s with the file, the row number a spreadsheet shows (header = row 1),
the column, the value and what to do about it; writers are their exact inverse.
"""

from .assemble import ReadResult
from .layout import POLICY_FILE, SCENARIO_JSON, TABLES
from .readers import read_scenario, read_scenario_files
from .writers import scenario_json, scenario_xlsx, write_scenario_csv, write_scenario_json, write_scenario_xlsx

__all__ = [
    "POLICY_FILE",
    "ReadResult",
    "SCENARIO_JSON",
    "TABLES",
    "read_scenario",
    "read_scenario_files",
    "scenario_json",
    "scenario_xlsx",
    "write_scenario_csv",
    "write_scenario_json",
    "write_scenario_xlsx",
]
