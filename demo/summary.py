"""The demo's summary, read from the api_ models (what the metrics API serves).

``collect`` returns plain data (the agreement test compares it with the
metrics API); ``render`` prints it.
"""

from __future__ import annotations

from saas_tracker.clickhouse import get_client
from saas_tracker.dbt import DbtSettings

COMPONENTS = ("activity_trend", "user_breadth", "feature_breadth", "recency", "engagement")
GRADE_RANK = {"poor": 0, "concerning": 1, "healthy": 2}


def _rows(sql: str, company_id: str) -> list[dict]:
    result = get_client().query(sql, parameters={"c": company_id})
    return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]


def _weakest(row: dict) -> str:
    """The component(s) with the worst grade, largest weight first ("all poor" when every one is)."""
    graded = [c for c in COMPONENTS if row.get(f"{c}_grade") in GRADE_RANK]
    if not graded:
        return "-"
    worst = min(GRADE_RANK[row[f"{c}_grade"]] for c in graded)
    names = [c for c in graded if GRADE_RANK[row[f"{c}_grade"]] == worst]
    grade = row[f"{names[0]}_grade"]
    if len(names) == len(graded) and len(names) > 1:
        return f"all {len(names)} components {grade}"
    return ", ".join(f"{c} ({grade})" for c in names)


def collect(company_id: str, answer_key: dict | None = None, top: int = 5, api_database: str | None = None) -> dict:
    """The summary figures; ``api_database`` defaults to the dbt schema's ``_api`` database."""
    api = api_database or f"{DbtSettings().schema_name}_api"
    orgs = _rows(
        f"SELECT customer_org_id, health_score, health_tier, event_count FROM {api}.api_organizations "
        "WHERE company_id = {c:UUID} ORDER BY customer_org_id",
        company_id,
    )
    tiers: dict[str, int] = {}
    for org in orgs:
        tier = org["health_tier"] or "no score"
        tiers[tier] = tiers.get(tier, 0) + 1
    at_risk = sorted(
        (o for o in orgs if o["health_tier"] == "at_risk"), key=lambda o: (o["health_score"], o["customer_org_id"])
    )[:top]
    latest = {
        r["customer_org_id"]: r
        for r in _rows(
            f"SELECT * FROM {api}.api_organization_health_daily WHERE company_id = {{c:UUID}} "
            "ORDER BY customer_org_id, health_date DESC LIMIT 1 BY customer_org_id",
            company_id,
        )
    }
    top_at_risk = [
        {
            "customer_org_id": o["customer_org_id"],
            "health_score": float(o["health_score"]),
            "weakest_component": _weakest(latest.get(o["customer_org_id"], {})),
        }
        for o in at_risk
    ]
    # The '(all)' rows: what GET /v1/features/adoption returns as "overall".
    adoption = _rows(
        f"SELECT feature_key, adopting_organizations AS adopters, active_organizations AS active_orgs "
        f"FROM {api}.api_feature_adoption_by_plan WHERE company_id = {{c:UUID}} AND org_plan = '(all)' "
        "ORDER BY adopters DESC, feature_key",
        company_id,
    )
    usage = _rows(
        f"SELECT usage_month, plan_key, event_count, events_limit, events_limit_used_pct, overage_cost, "
        f"suggested_plan_key FROM {api}.api_plan_usage_monthly WHERE company_id = {{c:UUID}} ORDER BY usage_month",
        company_id,
    )
    summary = {
        "organizations": len(orgs),
        "events": sum(int(o["event_count"]) for o in orgs),
        "tiers": tiers,
        "top_at_risk": top_at_risk,
        "feature_adoption": adoption,
        "plan_usage": usage,
    }
    if answer_key is not None:
        by_org = {o["customer_org_id"]: o["health_tier"] or "no score" for o in orgs}
        known = set(answer_key["declining_or_churned"])
        found: dict[str, int] = {}
        for org_id in known:
            tier = by_org.get(org_id, "missing")
            found[tier] = found.get(tier, 0) + 1
        summary["answer_key"] = {
            "declining_or_churned": len(known),
            "by_tier": found,
            "flagged": found.get("at_risk", 0) + found.get("neutral", 0),
            "at_risk": tiers.get("at_risk", 0),
            "at_risk_known": sum(1 for o in orgs if o["health_tier"] == "at_risk" and o["customer_org_id"] in known),
        }
    return summary


def render(summary: dict) -> str:
    lines = [f"Organizations: {summary['organizations']} ({summary['events']:,} events, each counted once)"]
    order = ["healthy", "neutral", "at_risk", "no score"]
    tiers = summary["tiers"]
    lines.append(
        "  by tier: "
        + ", ".join(
            f"{t} {tiers[t]}"
            for t in sorted(tiers, key=lambda t: (t not in order, order.index(t) if t in order else 0, t))
        )
    )
    lines.append("Most at risk (score, weakest component):")
    for org in summary["top_at_risk"]:
        lines.append(f"  {org['customer_org_id']:<10} {org['health_score']:5.1f}  {org['weakest_component']}")
    lines.append("Feature adoption (adopting / active organizations, last 28 days):")
    for row in summary["feature_adoption"]:
        rate = row["adopters"] / row["active_orgs"] if row["active_orgs"] else 0.0
        lines.append(f"  {row['feature_key']:<14} {row['adopters']:>4} / {row['active_orgs']:<4} {rate:6.1%}")
    lines.append("Plan usage (events vs plan limit):")
    for row in summary["plan_usage"]:
        limit = f"{row['events_limit']:,}" if row["events_limit"] is not None else "unlimited"
        suggestion = f", suggested plan {row['suggested_plan_key']}" if row["suggested_plan_key"] else ""
        plan = row["plan_key"] or "(none)"  # a month before the company's subscription started
        lines.append(f"  {row['usage_month']}  {plan:<10} {row['event_count']:>9,} / {limit}{suggestion}")
    key = summary.get("answer_key")
    if key:
        tiers = ", ".join(f"{t} {n}" for t, n in sorted(key["by_tier"].items()))
        lines.append(
            f"Answer key: {key['flagged']} of {key['declining_or_churned']} known declining or churned "
            f"organizations are ranked at risk or neutral ({tiers}); {key['at_risk_known']} of the "
            f"{key['at_risk']} organizations ranked at risk are in the answer key"
        )
    return "\n".join(lines)
