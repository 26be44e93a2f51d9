"""The Trellis store: the imported scenario, user accounts, the audit trail and plans, in SQLite
(default, `instance/trellis.sqlite3`) or PostgreSQL (`TRELLIS_DATABASE_URL`).

Typical use::

    from planner import store

    engine = store.open_store()           # URL from the argument, env, or the default file;
                                          # checked (intact, writable) and migrated to head
    store.save_scenario(engine, scenario, actor="hr1")   # all or nothing, audited
    scenario = store.load_scenario(engine)               # a validated Scenario, or None

Every function takes the engine first; changes are audited with the `actor` given (a username
or "cli"). Lookups of a missing record return None (`get_*`) or raise `NotFound` (actions).
"""

from planner.store._common import NotFound
from planner.store.audit import AuditEntry, list_audit, record_audit
from planner.store.engine import (
    DATABASE_URL_ENV,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    upgrade,
    write_transaction,
)
from planner.store.opening import StoreUnavailable, open_store
from planner.store.people import delete_person, export_person, get_person, list_people, update_person
from planner.store.plans import (
    StoredPlan,
    approve_plan,
    get_plan,
    latest_plan,
    list_plans,
    reject_plan,
    save_plan,
)
from planner.store.scenario import (
    load_policy,
    load_scenario,
    replace_demand,
    save_scenario,
    scenario_counts,
    scenario_info,
    scenario_revision,
    set_team_status,
    set_team_statuses,
)
from planner.store.tables import PLAN_KINDS, ROLES, metadata
from planner.store.users import (
    User,
    UsernameTaken,
    bump_session_version,
    create_user,
    delete_user,
    get_user,
    get_user_by_name,
    link_person,
    list_users,
    record_failed_login,
    record_successful_login,
    set_password_hash,
    set_role,
    users_for_person,
)

__all__ = [
    "AuditEntry", "DATABASE_URL_ENV", "NotFound", "StoreUnavailable", "open_store", "PLAN_KINDS", "ROLES", "StoredPlan", "User",
    "UsernameTaken", "approve_plan", "bump_session_version", "create_user", "current_revision",
    "database_url", "delete_person", "delete_user", "export_person", "get_person", "get_plan",
    "get_user", "get_user_by_name", "head_revision", "latest_plan", "link_person", "list_audit",
    "list_people", "list_plans", "list_users", "load_policy", "load_scenario", "make_engine",
    "metadata", "record_audit", "record_failed_login", "record_successful_login", "reject_plan",
    "save_plan", "save_scenario", "scenario_counts", "scenario_info", "scenario_revision",
    "replace_demand", "set_team_status", "set_team_statuses",
    "set_password_hash", "set_role", "update_person", "upgrade", "users_for_person", "write_transaction",
]
