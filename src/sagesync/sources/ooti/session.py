"""Who the client is on the platform: a password login (JWT) or a long-lived API token.

Password (ooti-api.md §2.1-§2.3): ``POST v1/token-auth/`` gives an access token (30
minutes on the live platform) and a refresh token. A 401 on a request after that is
an expired token: it is refreshed (``v1/token-refresh/``; a new login if the refresh
is refused) and the request replayed. Only a login that is itself refused, or a
token refused right after it was issued, is "login refused".

API token (§2.2 option B, created under Settings > Integrations > API tokens): sent
as ``Authorization: <scheme> <token>``, nothing to renew, so a 401 is "token
refused". The reference does not say which scheme the platform expects for these
tokens (§11, question 2): ``Bearer`` is the default, as for most token APIs and
for simplejwt, whose access/refresh shape the help centre shows; the profile's
``platform.api_token_scheme`` changes it without a code change.

Secrets live only in ``_Secret`` objects and request headers: never in a repr, a
log line or an exception message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from sagesync.errors import LoginRefusedError, SourceDataError
from sagesync.i18n import _

JWT_SCHEME = "JWT"  # confirmed for password logins by the SDK, its tests and a third-party client
DEFAULT_API_TOKEN_SCHEME = "Bearer"  # unconfirmed for API tokens: see the module docstring
# A request whose token expires again and again (a platform with very short tokens) is
# renewed this many times before the run stops rather than loop.
MAX_RENEWALS_PER_REQUEST = 5

# (path, JSON body, what the call is named in errors) -> (HTTP status, parsed body of a 2xx or None)
PostJson = Callable[[str, dict[str, str], str], tuple[int, object]]


class _Secret:
    """A password or token: shows as ``<secret>`` in reprs, dumps and tracebacks with locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"


class Session(Protocol):
    def ensure(self) -> None:
        """Log in if not done yet."""

    def authorization(self) -> tuple[str, int]:
        """The Authorization header value and the generation of the token in it."""

    def worked(self, generation: int) -> None:
        """A request with this generation's token was accepted."""

    def may_renew(self, generation: int, renewals: int) -> bool:
        """After a 401 with this generation, for a request already renewed ``renewals`` times."""

    def renew(self, generation: int) -> None:
        """Get a new token, unless another thread already replaced ``generation``'s."""

    def refused(self, status: int) -> LoginRefusedError: ...

    @property
    def renewals(self) -> int:
        """Tokens renewed after a 401 so far."""


class PasswordSession:
    def __init__(self, base_url: str, email: str, password: str, post: PostJson) -> None:
        self.base_url, self.email = base_url, email
        self.__password = _Secret(password)
        self._post = post
        self._lock = threading.Lock()
        self.__token: _Secret | None = None
        self.__refresh: _Secret | None = None
        self._generation = 0
        self._proven = 0  # the newest generation a request was accepted with
        self._renewals = 0

    def __repr__(self) -> str:
        return f"PasswordSession({self.email!r})"

    @property
    def renewals(self) -> int:
        return self._renewals

    def refused(self, status: int) -> LoginRefusedError:
        return LoginRefusedError(_("login refused for {email} at {url} (HTTP {status}): check the platform e-mail and "
                                   "password in the profile, and that the account may use the API").format(
            email=self.email, url=self.base_url, status=status))

    def ensure(self) -> None:
        with self._lock:
            if self.__token is None:
                self._login()

    def authorization(self) -> tuple[str, int]:
        token = self.__token.reveal() if self.__token is not None else ""
        return f"{JWT_SCHEME} {token}", self._generation

    def worked(self, generation: int) -> None:
        if generation > self._proven:
            self._proven = generation  # a plain int store: a race only delays the proof

    def may_renew(self, generation: int, renewals: int) -> bool:
        # The first 401 of a request is an expired token. Another one is an expiry too if that
        # token worked for some request; a token refused from its first use means the login is
        # not accepted for the API.
        if renewals == 0:
            return True
        return renewals < MAX_RENEWALS_PER_REQUEST and generation <= self._proven

    def renew(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # another thread already renewed
            self._renewals += 1
            if self.__refresh is not None and self._refresh(self.__refresh):
                return
            self._login()

    def _refresh(self, refresh: _Secret) -> bool:
        status, body = self._post("v1/token-refresh/", {"refresh": refresh.reveal()},
                                  _("the token refresh ({url})").format(url=f"{self.base_url}v1/token-refresh/"))
        token = (body.get("access") or body.get("token")) if status == 200 and isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return False  # refused or expired too: log in again
        self.__token = _Secret(token)
        self._generation += 1
        return True

    def _login(self) -> None:
        status, body = self._post("v1/token-auth/", {"username": self.email, "password": self.__password.reveal()},
                                  _("the login ({url})").format(url=f"{self.base_url}v1/token-auth/"))
        if status in (400, 401, 403):
            raise self.refused(status)
        token = (body.get("access") or body.get("token")) if isinstance(body, dict) else None
        if status != 200 or not isinstance(token, str) or not token:
            raise SourceDataError(_("the login at {url} answered HTTP {status} without a token: is the base URL the "
                                    "OOTI API (…/api/)?").format(url=f"{self.base_url}v1/token-auth/", status=status))
        refresh = body.get("refresh") if isinstance(body, dict) else None
        self.__token = _Secret(token)
        self.__refresh = _Secret(refresh) if isinstance(refresh, str) and refresh else None
        self._generation += 1


class ApiTokenSession:
    def __init__(self, base_url: str, token: str, scheme: str = DEFAULT_API_TOKEN_SCHEME) -> None:
        self.base_url = base_url
        self.scheme = scheme.strip() or DEFAULT_API_TOKEN_SCHEME
        self.__token = _Secret(token)

    def __repr__(self) -> str:
        return f"ApiTokenSession(scheme={self.scheme!r})"

    @property
    def renewals(self) -> int:
        return 0

    def refused(self, status: int) -> LoginRefusedError:
        return LoginRefusedError(
            _("the platform API token was refused at {url} (HTTP {status}), sent as 'Authorization: {scheme} …': "
              "check that it is still valid in OOTI (Settings > Integrations > API tokens) and store a new one as the "
              "profile's platform_token secret; if the platform expects another scheme, set "
              "platform.api_token_scheme in the profile").format(url=self.base_url, status=status, scheme=self.scheme))

    def ensure(self) -> None:
        return None

    def authorization(self) -> tuple[str, int]:
        return f"{self.scheme} {self.__token.reveal()}", 1

    def worked(self, generation: int) -> None:
        return None

    def may_renew(self, generation: int, renewals: int) -> bool:
        return False  # a long-lived token cannot be renewed from here

    def renew(self, generation: int) -> None:
        return None
