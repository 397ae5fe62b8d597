"""Tenant-bound reads of the api_ relations.

Routes never build a client call themselves: they pass SQL with ``{db:Identifier}`` for
the api database and ``{company_id:UUID}`` for the tenant, and :class:`TenantQuery`
binds both, the company from the verified API key. A statement that does not filter
on ``{company_id:UUID}`` is refused before it reaches ClickHouse, so forgetting the
tenant filter fails loudly in every test rather than leaking rows.
"""

from __future__ import annotations

import uuid
from typing import Any

from clickhouse_connect.driver.client import Client

from metrics_api.settings import MetricsSettings

TENANT_FILTER = "company_id = {company_id:UUID}"


class TenantQuery:
    def __init__(self, client: Client, company_id: uuid.UUID, settings: MetricsSettings):
        self.client = client
        self.company_id = company_id
        self.database = settings.database()
        self.settings: dict[str, Any] = {"max_execution_time": settings.query_timeout_seconds}
        if settings.query_max_threads:
            self.settings["max_threads"] = settings.query_max_threads

    def rows(self, sql: str, **parameters: Any) -> list[dict[str, Any]]:
        if TENANT_FILTER not in sql:
            raise AssertionError("every metrics query filters on company_id = {company_id:UUID}")
        result = self.client.query(
            sql,
            parameters={**parameters, "db": self.database, "company_id": self.company_id},
            settings=self.settings,
        )
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    def one(self, sql: str, **parameters: Any) -> dict[str, Any] | None:
        found = self.rows(sql, **parameters)
        return found[0] if found else None
