"""`trellis taxonomy onet|esco|profile|load`: public skills taxonomies as Trellis skills, and
occupation profiles as an opportunity's required skills (printed, or loaded into the store for
the opportunity form)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.bulk_work import without_cycle_collection
from planner.cli import EXIT_PROBLEMS, main
from planner.cli_store import database_option, open_store_or_exit

# planner.taxonomy is imported inside each command: it loads pandas and openpyxl, which every
# other `trellis` command would otherwise pay for at start-up.


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_PROBLEMS)


@main.group("taxonomy")
def taxonomy_group() -> None:
    """Import a public skills taxonomy (O*NET, ESCO) as a skills.csv a scenario accepts."""


@taxonomy_group.command("onet")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to write into.")
@click.option("--release", default=None, help="O*NET release for the attribution, e.g. 30.0 (read from a db_30_0_text path when not given).")
def onet_command(file: Path, out_dir: Path, release: str | None) -> None:
    """Read O*NET's Skills table (Skills.txt or Skills.xlsx, as published) and write DIR/skills.csv
    (the 35 skills), DIR/occupation_profiles.csv (each occupation's skills of importance 3 or
    more as skill:level) and DIR/ATTRIBUTION.txt. Nothing is written when the file has a problem."""
    from planner.taxonomy import TaxonomyError, read_onet_skills
    from planner.taxonomy.onet import onet_attribution
    from planner.taxonomy.output import ATTRIBUTION_FILE, SKILLS_FILE, skills_csv, table_csv, write_outputs
    from planner.taxonomy.profiles import PROFILES_FILE

    try:
        with without_cycle_collection():
            imported = read_onet_skills(file, release)
            files = {
                SKILLS_FILE: skills_csv(imported.skills, str(file)),
                PROFILES_FILE: table_csv(imported.profiles),
                ATTRIBUTION_FILE: onet_attribution(imported.release),
            }
        write_outputs(out_dir, files)
    except TaxonomyError as error:
        _fail(error.one_line())
    click.echo(f"wrote {out_dir}: {len(imported.skills)} skills, {len(imported.profiles)} occupation profiles "
               f"from {imported.rows_read} rows ({', '.join(files)})")
    if not imported.release:
        click.echo("note: ATTRIBUTION.txt names no O*NET release; add --release 30.0 (the one you downloaded).", err=True)


@taxonomy_group.command("esco")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to write into.")
@click.option("--release", default=None, help="ESCO version for the attribution, e.g. v1.2.0 (read from the download's folder name when not given).")
def esco_command(file: Path, out_dir: Path, release: str | None) -> None:
    """Read an ESCO skills CSV (skills_en.csv or a skills collection, as published) and write
    DIR/skills.csv, DIR/skill_alt_labels.csv (skill_id, concept_uri, alt_labels joined with |)
    and DIR/ATTRIBUTION.txt. Nothing is written when the file has a problem."""
    from planner.taxonomy import TaxonomyError, read_esco_skills
    from planner.taxonomy.esco import ALT_LABELS_FILE, esco_attribution
    from planner.taxonomy.output import ATTRIBUTION_FILE, SKILLS_FILE, skills_csv, table_csv, write_outputs

    try:
        with without_cycle_collection():
            imported = read_esco_skills(file, release)
            files = {
                SKILLS_FILE: skills_csv(imported.skills, str(file)),
                ALT_LABELS_FILE: table_csv(imported.alt_labels),
                ATTRIBUTION_FILE: esco_attribution(imported.release),
            }
        write_outputs(out_dir, files)
    except TaxonomyError as error:
        _fail(error.one_line())
    click.echo(f"wrote {out_dir}: {len(imported.skills)} skills from {imported.rows_read} rows ({', '.join(files)})")


@taxonomy_group.command("profile")
@click.argument("import_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("occupation")
def profile_command(import_dir: Path, occupation: str) -> None:
    """Print the required_skills cell (skill:level;...) of an O*NET occupation, by title
    ("Registered Nurses") or O*NET-SOC code (29-1141.00), from DIR written by `taxonomy onet`."""
    from planner.taxonomy import TaxonomyError, UnknownOccupation, profile_requirements, read_occupation_profiles
    from planner.taxonomy.profiles import PROFILES_FILE, requirements_cell

    try:
        requirements = profile_requirements(read_occupation_profiles(import_dir), occupation)
    except TaxonomyError as error:
        _fail(error.one_line())
    except UnknownOccupation as error:
        _fail(f"{import_dir / PROFILES_FILE}: {error}")
    if not requirements:
        _fail(f"{occupation}: O*NET rates none of its skills important (3 or more); nothing to require")
    click.echo(requirements_cell(requirements))


@taxonomy_group.command("load")
@click.argument("import_dir", metavar="DIR", type=click.Path(path_type=Path))
@database_option
@click.option("--actor", default="cli", show_default=True, help="Who is loading (for the audit trail).")
def load_command(import_dir: Path, database_url: str | None, actor: str) -> None:
    """Store the occupation profiles of DIR (written by `taxonomy onet`: occupation_profiles.csv
    and the skills.csv beside it) in place of any loaded before, so the opportunity form can
    offer them as required skills. A folder with a problem changes nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from planner.services.occupation_profiles import load_occupation_profiles
    from planner.taxonomy import TaxonomyError

    engine = open_store_or_exit(database_url)
    try:
        stored = load_occupation_profiles(engine, import_dir, actor=actor)
    except TaxonomyError as error:
        _fail(error.one_line() + ". Nothing was loaded; the stored profiles are unchanged.")
    except SQLAlchemyError as error:
        _fail(f"cannot use the database: {getattr(error, 'orig', None) or error}")
    finally:
        engine.dispose()
    click.echo(f"loaded {stored} occupation profiles from {import_dir / 'occupation_profiles.csv'}"
               " (earlier ones replaced); the opportunity form now offers them")
