"""Typed API errors. Messages name the method, path, status and the API's own `error` text, on
one line; they never contain the key."""

from __future__ import annotations

from scaleform.errors import ScaleformError
from scaleform.lines import one_line


class ApiError(ScaleformError):
    status: int = 0

    def __init__(self, method: str, path: str, status: int, detail: str, hint: str = ""):
        self.method, self.path, self.status, self.detail = method, path, status, detail
        # The API's text is quoted inside one line: a line break in it is shown as `\n`, so an
        # answer cannot print a line of its own (a `::error` workflow command, a forged verdict).
        detail = one_line(detail)
        if status == 200:
            text = f"{method} {path} returned a malformed response: {detail}"
        elif status:
            text = f"{method} {path} failed with HTTP {status}: {detail}"
        else:
            text = f"{method} {path} failed: {detail}"
        super().__init__(text + (f". {hint}" if hint else ""))


class InvalidRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class NotEnabled(ApiError):
    status = 402


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class TooManyRequests(ApiError):
    status = 429


class ServerError(ApiError):
    status = 500


class TransportFailure(ApiError):
    """No usable HTTP response: connection refused, timeout, TLS failure."""


class BadResponse(ApiError):
    """A 200 whose body is not what the endpoint returns (not JSON, wrong shape)."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    402: NotEnabled,
    404: NotFound,
    409: Conflict,
    429: TooManyRequests,
}


def error_for(method: str, path: str, status: int, detail: str, hint: str = "") -> ApiError:
    cls = BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    if status == 401:
        hint = (
            "The API rejected the key (it is not shown here). Check the variable that holds it "
            "(SCALE_API_KEY, or the environment's api_key_env) and that it belongs to this API URL"
        )
    return cls(method, path, status, detail, hint)
