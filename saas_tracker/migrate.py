"""The migrations runner behind `saas-tracker migrate`.

Schema changes are numbered SQL files, ``saas_tracker/migrations/NNNN_name.sql``,
applied in order. Statements are separated by a ``;`` at the end of a line.
Every statement must be idempotent (``CREATE ... IF NOT EXISTS``, ``ALTER ...
ADD COLUMN IF NOT EXISTS``, ``DROP ... IF EXISTS``; an ``INSERT`` only into a
ReplacingMergeTree with a fixed version), because ClickHouse has no transactional
DDL and no locks: two runners started at once both execute a pending migration,
and that must give the same schema as one run.

Applied migrations are recorded in ``tracker_control.schema_migrations`` with the
file's SHA-256. A recorded migration whose file has since changed is an error:
released migrations are immutable, a change is a new numbered file. Versions
recorded in the database but unknown to this code (a newer release ran) are left
alone.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from saas_tracker.clickhouse import get_client

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LEDGER = "tracker_control.schema_migrations"

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
# "already exists" errors a concurrent IF NOT EXISTS can still raise when the
# other runner wins the race between the existence check and the creation:
# DUPLICATE_COLUMN, TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS.
_RACE_CODES = {15, 57, 82}
# Clauses that fail or change something when a statement runs a second time.
_NOT_IDEMPOTENT = [
    (
        re.compile(r"\bADD\s+(COLUMN|INDEX|PROJECTION|CONSTRAINT)\s+(?!IF\s+NOT\s+EXISTS\b)", re.I),
        "ADD without IF NOT EXISTS",
    ),
    (re.compile(r"\bDROP\s+(COLUMN|INDEX|PROJECTION|CONSTRAINT)\s+(?!IF\s+EXISTS\b)", re.I), "DROP without IF EXISTS"),
    (re.compile(r"\bRENAME\s+(TABLE|COLUMN|DATABASE|DICTIONARY)\b", re.I), "RENAME cannot run twice"),
]


class MigrationError(RuntimeError):
    """A migration file or the migrations ledger is not in a state we can apply."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    sql: str
    checksum: str

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def statements(self) -> list[str]:
        return split_statements(self.sql)


@dataclass(frozen=True)
class Applied:
    """One migration this run executed and recorded."""

    version: int
    name: str
    checksum: str
    statements: int
    seconds: float


def split_statements(sql: str) -> list[str]:
    """Statements end with ``;`` at the end of a line; ``--`` comment lines never end one."""
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current).strip().removesuffix(";").strip())
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return [s for s in statements if s]


def _checksum(text: str) -> str:
    # Normalised line endings: a Windows checkout must not look like an edit.
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


def _idempotency_problem(statement: str) -> str | None:
    words = " ".join(statement.split()).upper()
    if words.startswith("CREATE ") and not words.startswith("CREATE OR REPLACE ") and "IF NOT EXISTS" not in words:
        return "CREATE without IF NOT EXISTS"
    if words.startswith("DROP ") and "IF EXISTS" not in words:
        return "DROP without IF EXISTS"
    for pattern, problem in _NOT_IDEMPOTENT:
        if pattern.search(statement):
            return problem
    return None


def _check_idempotent(migration: Migration) -> None:
    for index, statement in enumerate(migration.statements, start=1):
        problem = _idempotency_problem(statement)
        if problem:
            raise MigrationError(
                f"{migration.path}: statement {index} is not idempotent ({problem}): {statement.splitlines()[0][:120]}"
            )


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in ``directory``, in version order, checked for shape."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path}: migration files are named NNNN_lowercase_name.sql")
        version = int(match["version"])
        if version in migrations:
            raise MigrationError(f"{path}: version {version:04d} is also used by {migrations[version].path.name}")
        sql = path.read_text(encoding="utf-8")
        migration = Migration(version, match["name"], path, sql, _checksum(sql))
        if not migration.statements:
            raise MigrationError(f"{path}: contains no statements")
        _check_idempotent(migration)
        migrations[version] = migration
    return [migrations[v] for v in sorted(migrations)]


def _ensure_ledger(client: Client, ledger: str) -> None:
    if not _IDENTIFIER.match(ledger):
        raise ValueError(f"ledger must be database.table, got {ledger!r}")
    database = ledger.split(".")[0]
    _run(client, f"CREATE DATABASE IF NOT EXISTS {database}")
    # ReplacingMergeTree plus a deduplication token on insert: two concurrent
    # runners recording the same migration leave exactly one row.
    _run(
        client,
        f"""CREATE TABLE IF NOT EXISTS {ledger}
        (
            version    UInt32,
            name       String,
            checksum   String,
            applied_at DateTime64(3, 'UTC')
        )
        ENGINE = ReplacingMergeTree(applied_at)
        ORDER BY version
        SETTINGS non_replicated_deduplication_window = 10000""",
    )


def _run(client: Client, statement: str) -> None:
    try:
        client.command(statement)
    except DatabaseError as error:
        if _error_code(str(error)) not in _RACE_CODES:
            raise
        # Another runner created the object between our check and our create.
        # Re-running the idempotent statement now finds it and does nothing.
        time.sleep(0.2)
        client.command(statement)


def _error_code(message: str) -> int | None:
    match = re.search(r"Code: (\d+)", message)
    return int(match.group(1)) if match else None


def recorded(client: Client, ledger: str = LEDGER) -> dict[int, tuple[str, str]]:
    """version -> (name, checksum) of every migration recorded in the ledger."""
    rows = client.query(f"SELECT version, name, checksum FROM {ledger} FINAL ORDER BY version").result_rows
    return {int(version): (name, checksum) for version, name, checksum in rows}


def _record(client: Client, ledger: str, migration: Migration) -> None:
    token = f"{ledger}:{migration.version}:{migration.checksum}"
    client.command(
        f"INSERT INTO {ledger} (version, name, checksum, applied_at) "
        "SELECT {version:UInt32}, {name:String}, {checksum:String}, now64(3, 'UTC')",
        parameters={"version": migration.version, "name": migration.name, "checksum": migration.checksum},
        settings={"insert_deduplication_token": token, "insert_deduplicate": 1},
    )


def migrate(
    client: Client | None = None,
    *,
    directory: Path = MIGRATIONS_DIR,
    ledger: str = LEDGER,
) -> list[Applied]:
    """Apply every pending migration in order; return the ones this run executed.

    Raises :class:`MigrationError` before executing anything when a file is
    malformed or an applied migration's file has changed.
    """
    client = client or get_client()
    migrations = discover(directory)
    _ensure_ledger(client, ledger)
    done = recorded(client, ledger)
    for migration in migrations:
        if migration.version in done and done[migration.version][1] != migration.checksum:
            raise MigrationError(
                f"{migration.path} changed after it was applied "
                f"(recorded sha256 {done[migration.version][1][:12]}…, file {migration.checksum[:12]}…). "
                "Applied migrations are immutable: restore the file and put the change in a new migration."
            )
    applied: list[Applied] = []
    for migration in migrations:
        if migration.version in done:
            continue
        started = time.perf_counter()
        for index, statement in enumerate(migration.statements, start=1):
            try:
                _run(client, statement)
            except DatabaseError as error:
                raise MigrationError(f"{migration.path}: statement {index} failed: {error}") from error
        _record(client, ledger, migration)
        applied.append(
            Applied(
                migration.version,
                migration.name,
                migration.checksum,
                len(migration.statements),
                round(time.perf_counter() - started, 3),
            )
        )
    return applied
