"""The sandbox's routes: one function per OOTI route, answering (status, JSON text).

Each route gets the handler (for the store, the body and paging), the path match
and the query. ``ROUTES`` maps (path pattern, verb) to them; anything else is a 404.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from sagesync.sandbox.store import Wire
from sagesync.sources.ooti import wirejson

if TYPE_CHECKING:
    from sagesync.sandbox.server import SandboxHandler

Answer = tuple[int, str]  # status, JSON text
Route = Callable[["SandboxHandler", re.Match[str], dict[str, str]], Answer]


def _answer(status: int, body: object) -> Answer:
    return status, wirejson.dumps(body)


NOT_FOUND = (404, '{"detail":"Not found."}')


def _flag(query: dict[str, str], name: str) -> bool | None:
    value = query.get(name, "").lower()
    return True if value == "true" else False if value == "false" else None


def _int(query: dict[str, str], name: str) -> int | None:
    value = query.get(name, "")
    return int(value) if value.lstrip("-").isdigit() else None


# --- routes ----------------------------------------------------------------------------


def token_auth(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    credentials = handler.server.store.firm["credentials"]
    form = handler.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    good = hmac.compare_digest(username.lower().encode(), str(credentials["username"]).lower().encode())
    good &= hmac.compare_digest(password.encode(), str(credentials["password"]).encode())
    if not good:
        return _answer(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
    access, refresh = handler.server.issue()
    return _answer(200, {"token": access, "access": access, "refresh": refresh})


def token_refresh(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    refresh = str(handler.form().get("refresh") or "")
    if refresh not in handler.server.refresh_tokens:
        return _answer(401, {"detail": "Token is invalid or expired", "code": "token_not_valid"})
    access, _ = handler.server.issue()
    return _answer(200, {"access": access, "token": access})


def token_verify(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    valid = handler.server.token_valid(str(handler.form().get("token") or ""))
    return _answer(200, {}) if valid else _answer(401, {"detail": "Token is invalid or expired"})


def profile(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    store = handler.server.store
    return _answer(200, {"pk": store.user.get("pk"), "user": store.user, "selected_org": store.organization_id,
                         "selected_team": store.team_ids()[0] if store.teams else None, "locale": "fr"})


def membership(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    store = handler.server.store
    teams = [{"id": team_id, "title": team.get("title", "")} for team_id, team in zip(store.team_ids(), store.teams,
                                                                                       strict=True)]
    return _answer(200, {"organizations": [{**store.organization, "teams": teams,
                                            "orguser": {"pk": store.user.get("orguser")}}]})


def _org_ok(handler: SandboxHandler, match: re.Match[str]) -> bool:
    return int(match["org"]) == handler.server.store.organization_id


def teams(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    return _answer(200, handler.server.store.teams) if _org_ok(handler, match) else NOT_FOUND


def currencies(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    return handler.page(handler.server.store.currencies, query, handler.server.store.row_text)


def clients(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    if not _org_ok(handler, match):
        return NOT_FOUND
    team = _int(query, "team")
    rows = [row for row in handler.server.store.clients if team is None or row.get("team") == team]
    return handler.page(rows, query, handler.server.store.row_text)


def projects(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    if not _org_ok(handler, match):
        return NOT_FOUND
    team = int(match["team"]) if match["team"] else None
    rows = [row for row in handler.server.store.projects if team is None or row.get("team") == team]
    return handler.page(rows, query, handler.server.store.row_text)


def invoices(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    if not _org_ok(handler, match):
        return NOT_FOUND
    store = handler.server.store
    rows = store.filter_invoices(_int(query, "team"), _int(query, "type"), _flag(query, "is_sent"),
                                 _flag(query, "is_valid"), query.get("q", ""))
    with_items = handler.server.items_in_list
    return handler.page(rows, query, lambda row: store.invoice_text(row, with_items))


def invoice_items(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    items = handler.server.store.items.get(int(match["pk"]))
    return NOT_FOUND if items is None else handler.page(items, query, handler.server.store.row_text)


def invoice_detail(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    store = handler.server.store
    row = store.invoice_by_pk.get(int(match["pk"]))
    return NOT_FOUND if row is None else (200, store.invoice_text(row, with_items=True))


def invoice_patch(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    try:
        fields = wirejson.loads(handler.request_body or b"{}")
    except ValueError:
        return _answer(400, {"detail": "JSON parse error"})
    if not isinstance(fields, dict) or "pk" in fields:
        return _answer(400, {"detail": "expected an object of invoice fields"})
    return _answer(*handler.server.store.patch_invoice(int(match["pk"]), fields, handler.base))


def payments(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    if not _org_ok(handler, match):
        return NOT_FOUND
    store = handler.server.store
    return handler.page(store.filter_payments(_int(query, "team"), _int(query, "invoice")), query, store.row_text)


def _fields(handler: SandboxHandler) -> Wire | None:
    """The body of a write: a JSON object (amounts as Decimal) or a form (the vendor SDK posts forms)."""
    if "json" in (handler.headers.get("Content-Type") or ""):
        try:
            fields = wirejson.loads(handler.request_body or b"{}")
        except ValueError:
            return None
        return fields if isinstance(fields, dict) else None
    return handler.form()


def payment_create(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    if not _org_ok(handler, match):
        return NOT_FOUND
    fields = _fields(handler)
    if fields is None:
        return _answer(400, {"detail": "JSON parse error: expected an object of payment fields"})
    return _answer(*handler.server.store.create_payment(fields, _int(query, "team")))


def payment_allocate(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    fields = _fields(handler)
    if fields is None:
        return _answer(400, {"detail": "JSON parse error: expected {\"amount\": n}"})
    return _answer(*handler.server.store.allocate_payment(int(match["pk"]), fields))


def payment_patch(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
    fields = _fields(handler)
    if fields is None:
        return _answer(400, {"detail": "JSON parse error: expected an object of payment fields"})
    return _answer(*handler.server.store.patch_payment(int(match["pk"]), fields))


def _store_table(name: str) -> Route:
    """GET one client, project or payment by its key."""
    def route(handler: SandboxHandler, match: re.Match[str], query: dict[str, str]) -> Answer:
        table: Mapping[int, Wire] = getattr(handler.server.store, name)
        row = table.get(int(match["pk"]))
        return NOT_FOUND if row is None else (200, handler.server.store.row_text(row))
    return route


ROUTES: list[tuple[re.Pattern[str], str, str, Route]] = [
    (re.compile(pattern), name, method, route) for pattern, name, method, route in (
        (r"/api/v1/token-auth/", "token-auth", "POST", token_auth),
        (r"/api/v1/token-refresh/", "token-refresh", "POST", token_refresh),
        (r"/api/v1/token-verify/", "token-verify", "POST", token_verify),
        (r"/api/v1/profiles/profile/", "profile", "GET", profile),
        (r"/api/v1/organizations/membership/", "membership", "GET", membership),
        (r"/api/v1/teams/list/(?P<org>\d+)/", "teams", "GET", teams),
        (r"/api/v1/currencies/list/", "currencies", "GET", currencies),
        (r"/api/v1/clients/list/(?P<org>\d+)/", "clients", "GET", clients),
        (r"/api/v1/clients/(?P<pk>\d+)/", "client", "GET", _store_table("client_by_pk")),
        (r"/api/v1/projects/list/(?P<org>\d+)/(?:(?P<team>\d+)/)?", "projects", "GET", projects),
        (r"/api/v1/projects/(?P<pk>\d+)/", "project", "GET", _store_table("project_by_id")),
        (r"/api/v1/invoices/list/(?P<org>\d+)/", "invoices", "GET", invoices),
        (r"/api/v1/invoices/items/(?P<pk>\d+)/", "invoice-items", "GET", invoice_items),
        (r"/api/v1/invoices/(?P<pk>\d+)/", "invoice", "GET", invoice_detail),
        (r"/api/v1/invoices/(?P<pk>\d+)/", "invoice-patch", "PATCH", invoice_patch),
        (r"/api/v1/payments/list/(?P<org>\d+)/", "payments", "GET", payments),
        (r"/api/v1/payments/list/(?P<org>\d+)/", "payment-create", "POST", payment_create),
        (r"/api/v1/payments/(?P<pk>\d+)/?", "payment", "GET", _store_table("payment_by_pk")),
        (r"/api/v1/payments/(?P<pk>\d+)/", "payment-patch", "PATCH", payment_patch),
        (r"/api/v1/payments/invoice/(?P<pk>\d+)/", "payment-allocate", "PATCH", payment_allocate),
    )
]
