"""What every `turnout` command shares: an app for the command's life, a session in it, and failing clearly."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_db
from app.unreachable import DATABASE_LOST, reason


@contextmanager
def command_app() -> Iterator[Flask]:
    """An app context for one command; its connections are closed when the command ends, and a database
    lost or out of reach is said in words, not a traceback."""
    from app import create_app  # the factory imports every blueprint: only when a command runs

    app = create_app()
    try:
        with app.app_context():
            yield app
    except DATABASE_LOST as error:
        fail(
            f"the database could not finish the command ({reason(error)}): the connection was lost or "
            "could not be made, or the database was too busy (a lock, a deadlock or a time limit). "
            "What the command had not finished was rolled back (an import is all or nothing, so none of "
            "its file was written). Run it again in a minute."
        )
    finally:
        app.extensions["turnout.db"].engine.dispose()


@contextmanager
def command_session() -> Iterator[tuple[Flask, Session]]:
    with command_app() as app, get_db().session() as session:
        yield app, session


def fail(message: str) -> None:
    """Say what is wrong on stderr and exit 1."""
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)
