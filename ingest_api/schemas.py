"""The collector's request and response shapes, for the OpenAPI document.

Requests are not parsed through these models at run time: a batch must get a
verdict per event instead of one 422 for the whole body, so validation.py
applies the same rules event by event. These classes describe the contract
(DESIGN.md section 5) for clients, the docs and the schemathesis tests.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ingest_api import validation as v


class EventIn(BaseModel):
    """One event. Keys outside these fields are ignored and counted in `ignored_keys`."""

    model_config = ConfigDict(extra="allow")

    event: Annotated[str, Field(pattern=r"^[A-Za-z0-9$][A-Za-z0-9_.:/$ \-]{0,127}$", description="Event name.")]
    customer_org_id: Annotated[
        str, Field(min_length=1, max_length=v.MAX_ORG_ID, description="Your customer's organization id.")
    ]
    user_hash: Annotated[
        str | None,
        Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 / HMAC-SHA-256 hex of your user id, made client-side."),
    ] = None
    session_id: Annotated[str | None, Field(max_length=v.MAX_SESSION_ID)] = None
    path: Annotated[str | None, Field(max_length=v.MAX_PATH)] = None
    environment: Annotated[
        str | None,
        Field(max_length=v.MAX_ENVIRONMENT, description="One of the application's environments, if it declares any."),
    ] = None
    plan: Annotated[str | None, Field(max_length=v.MAX_PLAN, description="Your customer's plan.")] = None
    ts_epoch: Annotated[
        float | None,
        Field(
            ge=0,
            description="Event time in Unix seconds (fractions allowed); the collector's clock when absent. "
            "More than 300 s in the future: rejected. Older than the backfill window: quarantined.",
        ),
    ] = None
    event_id: Annotated[
        str | None,
        Field(
            pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description="UUID; derived from the event's content when absent, so a resent event is a duplicate.",
        ),
    ] = None


class BatchIn(BaseModel):
    events: Annotated[list[EventIn], Field(max_length=500)]


class Rejection(BaseModel):
    index: int = Field(description="Position of the event in the request.")
    event_id: str | None = Field(description="The event's id: as sent, or as it would be derived.")
    reason: str = Field(description="`<field>: <rule>`.")


class BatchResult(BaseModel):
    """A verdict for every event: accepted + duplicates + quarantined + len(rejected) = events sent."""

    accepted: int
    duplicates: int
    quarantined: int
    rejected: list[Rejection]
    ignored_keys: dict[str, int] | None = Field(
        None, description="Keys outside the stored whitelist and how many events carried each (omitted when none)."
    )


class ErrorOut(BaseModel):
    detail: str


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its $defs inlined (OpenAPI's openapi_extra has no $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(val) for k, val in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)
