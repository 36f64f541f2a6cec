"""``sagesync console``: serve the local web console and open it in the browser.

    sagesync console [--host 127.0.0.1] [--port 0] [--no-browser]

The console listens on 127.0.0.1 (this computer only) unless told otherwise;
port 0 takes a free port. The address printed and opened holds a fresh random
key: the browser that opens it gets the session cookie, any other gets 403.
Stop it with Ctrl+C; a step still running is given a few seconds to finish its
batch (each batch is one transaction, so an interrupted run keeps nothing half-done).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import webbrowser
from typing import Annotated

import typer

from sagesync.i18n import N_, _


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 gives a free one. Bound here so the URL can name the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise typer.BadParameter(f"cannot listen on {host}:{port} ({error.strerror}): "
                                 "choose another --port, or 0 for a free one") from None


def console_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/login?token={token}"


def register(app: typer.Typer) -> None:
    @app.command("console", help=N_("The local web console: profiles, the step buttons with live progress, findings, "
                                    "documents, runs."))
    def console(
        host: Annotated[str, typer.Option(help=N_("Address to listen on; 127.0.0.1 keeps it on this computer."))] = (
            "127.0.0.1"),
        port: Annotated[int, typer.Option(help=N_("Port to listen on; 0 takes a free one."))] = 0,
        no_browser: Annotated[
            bool, typer.Option("--no-browser", help=N_("Print the address, do not open it."))
        ] = False,
    ) -> None:
        serve_console(host, port, no_browser)


def serve_console(host: str = "127.0.0.1", port: int = 0, no_browser: bool = False) -> None:
    """Serve the console until Ctrl+C (the profiles and data folders are those in force: SAGESYNC_*_DIR)."""
    import uvicorn

    from sagesync.interfaces.console import create_app
    from sagesync.interfaces.console.app import close

    token = secrets.token_urlsafe(32)
    listener = bind(host, port)
    url = console_url(host, listener.getsockname()[1], token)
    web = create_app(token=token)
    if not is_loopback(host):
        typer.secho(_("Warning: listening on {host}, reachable from other computers; the address below is the only "
                      "key to your Sage company: keep it to yourself.").format(host=host),
                    fg=typer.colors.YELLOW, err=True)
    typer.echo(_("sagesync console: {url}").format(url=url))
    typer.echo(_("Keep this window open while you use the console; Ctrl+C stops it."))
    if not no_browser:
        webbrowser.open(url)  # the socket already listens: the browser's first request waits for the server

    class ConsoleServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            close(web)  # end the pages' event streams now, or the server waits for them
            super().handle_exit(sig, frame)  # type: ignore[arg-type]

    server = ConsoleServer(uvicorn.Config(web, log_level="warning", timeout_graceful_shutdown=3))
    try:
        server.run(sockets=[listener])
    finally:
        close(web)
        listener.close()
