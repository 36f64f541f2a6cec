"""The OOTI client of a profile: its address, login, scope, field choices and time budget.

What every caller (sync, ``profile check``, the console, the worker) uses instead of
building an ``OotiClient`` by hand, so they all log in the same way:

- the API token (secret ``platform_token``: ``SAGESYNC_<PROFILE>_PLATFORM_TOKEN`` or the
  keyring) when one is set, sent with ``platform.api_token_scheme``;
- else the e-mail and the platform password (secret ``platform``);
- ``platform.fields``: the platform's names for the facts a posting depends on;
- ``platform.line_kind_when_missing`` for items without a kind (``FieldNames.missing_line_kind``);
- ``platform.request_budget_seconds``: how long one request may keep retrying.
"""

from __future__ import annotations

from sagesync.errors import ConfigurationError, SecretMissingError
from sagesync.i18n import _
from sagesync.profiles.model import Profile
from sagesync.profiles.secrets import env_variable, resolve_secret, set_secret_command
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.payloads import fields_with
from sagesync.sources.ooti.retry import RetryPolicy


def _api_token(profile: Profile) -> str | None:
    try:
        token = resolve_secret(profile.name, "platform_token")
    except SecretMissingError:
        return None  # the usual case: the profile logs in with its password
    return token.strip() or None  # an empty variable means "no token", not "an empty token"


def ooti_client_for(profile: Profile) -> OotiClient:
    """A ready ``OotiClient`` for ``profile`` (nothing is sent before the first read).

    Raises ``ConfigurationError`` (``SecretMissingError`` when neither an API token nor
    the platform password is set, naming both ways to set them).
    """
    platform = profile.platform
    fields = fields_with(platform.fields, missing_line_kind=platform.line_kind_when_missing)
    retry = RetryPolicy(budget=float(platform.request_budget_seconds))
    scope = (platform.organization_id, platform.team_id)
    token = _api_token(profile)
    if token is not None:
        return OotiClient(platform.base_url, platform.email, None, *scope, api_token=token,
                          api_token_scheme=platform.api_token_scheme, fields=fields, retry=retry)
    if not platform.email:
        raise ConfigurationError(_("{setting} is empty: set the platform login e-mail").format(
            setting=f"profiles.{profile.name}.platform.email"))
    try:
        password = resolve_secret(profile.name, "platform")
    except SecretMissingError as error:
        raise SecretMissingError(
            _("{problem} Or use a platform API token instead (OOTI: Settings > Integrations > API tokens): `{command}` "
              "or the environment variable {variable}.").format(
                problem=error, command=set_secret_command(profile.name, "platform_token"),
                variable=env_variable(profile.name, "platform_token"))) from None
    return OotiClient(platform.base_url, platform.email, password, *scope, fields=fields, retry=retry)
