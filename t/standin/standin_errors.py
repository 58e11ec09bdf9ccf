"""Google's error answers, as the stand-in sends them: reports.query's
{"error": {...}} bodies and the OAuth token endpoint's {"error",
"error_description"}, with the defaults a fault falls back on.
"""

# Google's error answers: 401 bodies. A token that is unknown/expired/revoked gets the
# "invalid authentication credentials" variant; no Authorization at all
# gets the "missing required authentication credential" variant.
MSG_401_INVALID = (
    "Request had invalid authentication credentials. Expected OAuth 2 access "
    "token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.")
MSG_401_MISSING = (
    "Request is missing required authentication credential. Expected OAuth 2 "
    "access token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.")


# Google's month rules, top-video rules, error answers: reason badRequest for an
# unsupported combination.
MSG_NOT_SUPPORTED = (
    "The query is not supported. Check the documentation at "
    "https://developers.google.com/youtube/analytics/v2/available_reports "
    "for a list of supported queries.")


JSON_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """A Google JSON error answer of reports.query (Google's error answers)."""

    def __init__(self, status, reason, message, domain="global", extra=None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.extra = extra or {}

    def body(self):
        return google_error_body(self.status, self.reason, self.message,
                                 self.domain, self.extra)


def google_error_body(status, reason, message, domain="global", extra=None):
    """{"error": {"code", "message", "errors": [{...}]}} (Google's error answers)."""
    item = {"message": message, "domain": domain, "reason": reason}
    err = {"code": status, "message": message, "errors": [item]}
    if status == 401:
        # Google's error answers: the 401 item names the header, and the body has a status.
        if reason == "required":
            item["message"] = "Login Required."
        elif message == MSG_401_INVALID:
            item["message"] = "Invalid Credentials"
        item["location"] = "Authorization"
        item["locationType"] = "header"
        err["status"] = "UNAUTHENTICATED"
    elif status == 429:
        err["status"] = "RESOURCE_EXHAUSTED"
    if extra:
        item.update(extra)
    return {"error": err}


def bad_param(name, message, reason="invalidParameter"):
    """A 400 about one query parameter (location as in Google's parameters example)."""
    return ApiError(400, reason, message,
                    extra={"location": name, "locationType": "parameter"})


def not_supported():
    return ApiError(400, "badRequest", MSG_NOT_SUPPORTED)


def unauthorized(missing=False):
    if missing:
        return ApiError(401, "required", MSG_401_MISSING)
    return ApiError(401, "authError", MSG_401_INVALID)


def forbidden():
    # Google's error answers: 403 on reports.query for a channel the token does not own.
    return ApiError(403, "forbidden", "Forbidden")


# Defaults used by /_control/fault when reason/message are not given.
FAULT_DEFAULTS = {
    400: ("badRequest", "Bad Request"),
    401: ("authError", MSG_401_INVALID),
    403: ("forbidden", "Forbidden"),
    404: ("notFound", "Not Found"),
    429: ("rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("backendError", "Backend Error"),
    502: ("backendError", "Bad Gateway"),
    503: ("backendError", "The service is currently unavailable."),
    504: ("backendError", "Deadline Exceeded"),
}
QUOTA_MESSAGE = ("The request cannot be completed because you have exceeded "
                 "your quota.")

# OAuth error descriptions (Google's OAuth refresh) used when a token fault gives none.
OAUTH_DEFAULTS = {
    "invalid_grant": "Token has been expired or revoked.",
    "invalid_client": "The OAuth client was not found.",
    "invalid_request": "Bad Request",
    "unauthorized_client": "Unauthorized",
    "internal_failure": "Internal failure",
}


class OAuthError(Exception):
    """An OAuth token endpoint error {"error", "error_description"}
    (Google's OAuth refresh)."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self):
        return {"error": self.error, "error_description": self.description}


# Headers of Google's token answers.
NO_STORE = [("Cache-Control",
             "no-cache, no-store, max-age=0, must-revalidate"),
            ("Pragma", "no-cache")]
