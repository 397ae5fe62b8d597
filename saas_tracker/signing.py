"""The collector's request signing scheme: re-exported from the SDK.

The SDK (``sdk/python``, distribution ``saas-tracker-sdk``) is the one place that
implements the scheme, because producers install only the SDK. The collector
and the tests import it from here so they cannot drift from what the SDK signs.
"""

from saas_tracker_sdk.signing import (  # noqa: F401
    APP_ID_HEADER,
    MAX_SIGNATURES,
    SIGNATURE_HEADER,
    TOLERANCE_SECONDS,
    ParsedSignature,
    SignatureError,
    compute,
    parse,
    sign,
    signed_headers,
    signing_key,
    verify,
)
