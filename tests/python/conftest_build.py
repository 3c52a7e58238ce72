"""One small warehouse, built once per test session, for the docs, shell and lineage tests.

Modules that need it say `pytest_plugins = ["tests.python.conftest_build"]` and take the
`built_project` fixture. The dbt project is copied to a temporary folder first, so the build's
target/, logs/ and the generated lineage page never land in the working tree. The steps are
`make build` and `make docs-build` without make (which would build .venv first): the loader
lands a sample, dbt builds through loader.dbt_runner, then lineage and docs are generated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from lineage.__main__ import DEFAULT_DOC_PATH

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "tests/dbt", "analyses", "snapshots", "metrics")
# Small but with every segment: ~15 s of dbt on 2 cores.
SAMPLE_VISITS = 300
SAMPLE_DAYS = 1


@dataclass(frozen=True)
class BuiltProject:
    project_dir: Path
    warehouse: Path
    target: Path
    env: dict[str, str]

    def run(self, args: Sequence[str | Path], check: bool = True) -> subprocess.CompletedProcess:
        """Run a command (Python modules of the repo importable) in the copied project."""
        result = subprocess.run(
            [str(arg) for arg in args],
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def python(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        return self.run([sys.executable, *args], check=check)

    @property
    def manifest(self) -> dict:
        return json.loads((self.target / "manifest.json").read_text())

    @property
    def catalog(self) -> dict:
        return json.loads((self.target / "catalog.json").read_text())


def copy_project(destination: Path) -> None:
    destination.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, destination / name)
    for name in PROJECT_DIRS:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, destination / name)


def project_env(root: Path, project_dir: Path) -> dict[str, str]:
    """The environment of a copied project's runs: its own warehouse, landing folder and
    profiles, never a developer's `.env`, the repo's Python modules importable."""
    return {
        **os.environ,
        "WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "LANDING_DIR": str(root / "landing"),
        "DBT_PROFILES_DIR": str(project_dir),
        "LP_ENV_FILE": str(root / "no.env"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    root = tmp_path_factory.mktemp("built")
    project_dir = root / "project"
    copy_project(project_dir)
    env = project_env(root, project_dir)
    built = BuiltProject(project_dir, root / "warehouse.duckdb", project_dir / "target", env)
    sample = root / "sample"
    built.python(
        "-m", "loader", "sample", "--out", sample, "--visits", str(SAMPLE_VISITS),
        "--days", str(SAMPLE_DAYS), "--seed", "11",
    )  # fmt: skip
    built.python("-m", "loader", "ingest", sample)
    # dbt's data and unit tests run in test_staging.py and test_marts.py; here the tables matter.
    built.python(
        "-m", "loader.dbt_runner", "build",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    built.python(
        "-m", "lineage", "--target-path", built.target,
        "docs", "--out", project_dir / DEFAULT_DOC_PATH,
    )  # fmt: skip
    built.python("-m", "loader.dbt_runner", "docs", "generate", "--static")
    return built
