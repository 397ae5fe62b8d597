"""SaaS Tracker SDK: send signed usage events to a SaaS Tracker collector.

from saas_tracker_sdk import Tracker
tracker = Tracker(app_id, secret, "https://collector.example.com", user_id_key=USER_KEY)
tracker.track("report_exported", customer_org_id="org_42", user_id="u_7", path="/reports")
"""

from saas_tracker_sdk.client import Tracker, __version__
from saas_tracker_sdk.stats import TrackerStats
from saas_tracker_sdk.users import hash_user_id

__all__ = ["Tracker", "TrackerStats", "hash_user_id", "__version__"]
