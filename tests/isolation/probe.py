"""Drive every route with a school's ids and read every answer as text: HTML, JSON, CSV, a PDF's words, a
spreadsheet's cells and Dash downloads, so a canary is found wherever a response carries it."""

from __future__ import annotations

import base64
import binascii
import functools
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from pypdf import PdfReader
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter
from werkzeug.test import TestResponse

# Every route argument that names a tenant object (or a choice of what to do with one). A new argument
# fails the matrix until it is added here and to the ids canaries.plant gives it.
TENANT_ARGS = frozenset({
    "urn", "pupil_id", "slug", "user_id", "token_id", "plan_id", "membership_id", "letter_id", "batch_id",
    "kind", "entry_id", "task_id", "playbook_id", "school_task_id", "return_kind", "export_id", "pack_id",
})  # fmt: skip
FILE_ARGS = frozenset({"filename", "path", "package_name", "fingerprinted_path"})  # static and Dash files
DASH_PREFIX = "/dashboards/"


@dataclass(frozen=True)
class Call:
    """One request of the matrix: the rule's endpoint, the method and the URL filled with ids."""

    endpoint: str
    method: str
    url: str


def tenant_rules(app: Flask) -> Iterator[Rule]:
    """Rules that take a tenant argument; a rule with an argument nobody classified fails loudly."""
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        unknown = arguments - TENANT_ARGS - FILE_ARGS - _choices(rule)
        assert not unknown, (
            f"route {rule.rule} takes {sorted(unknown)}: add each argument to TENANT_ARGS in "
            "tests/isolation/probe.py (and its ids to tests/isolation/canaries.py), or to FILE_ARGS"
        )
        if arguments & TENANT_ARGS and not arguments & FILE_ARGS:
            yield rule


def _choices(rule: Rule) -> set[str]:
    """Arguments of an any(...) converter: a fixed choice of what to do, every one of which is tried."""
    return {name for name, converter in rule._converters.items() if isinstance(converter, AnyConverter)}


def calls(
    app: Flask, ids: dict[str, list[object]], methods: frozenset[str] = frozenset({"GET", "POST"})
) -> list[Call]:
    """Every tenant rule filled with every combination of the given ids, for each method it accepts."""
    found = []
    for rule in tenant_rules(app):
        names = sorted(rule.arguments)
        choices = []
        for name in names:
            converter = rule._converters.get(name)
            if isinstance(converter, AnyConverter):
                choices.append(sorted(converter.items))
            else:
                assert name in ids, f"no id planted for argument {name!r} of {rule.rule}"
                choices.append(ids[name])
        for combination in itertools.product(*choices):
            url = build(rule, dict(zip(names, combination, strict=True)))
            for method in sorted((rule.methods or set()) & methods):
                found.append(Call(rule.endpoint, method, url))
    return found


def build(rule: Rule, values: dict[str, object]) -> str:
    """This rule's URL for the values (url_for would pick any rule of the endpoint)."""
    built = rule.build(values, append_unknown=False)
    assert built is not None, (rule.rule, values)
    return built[1]


def plain_gets(app: Flask) -> list[Call]:
    """GET routes that take no argument at all (home, my tasks, account, jobs, Dash's own routes)."""
    return [
        Call(rule.endpoint, "GET", rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.arguments and "GET" in (rule.methods or set()) and rule.rule != "/logout"
    ]


def dash_pages(ids: dict[str, list[object]]) -> dict[str, str]:
    """Each Dash page by its census name ('dash:' and its path template), filled with the first of each id."""
    import dash

    pages = {}
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        path = template
        for name in ("urn", "pupil_id", "slug"):
            path = path.replace(f"<{name}>", str(ids[name][0]))
        assert "<" not in path, f"Dash page {template}: add its argument to probe.dash_pages"
        pages[f"dash:{template}"] = DASH_PREFIX + path.lstrip("/")
    return pages


def dash_page_paths(ids: dict[str, list[object]]) -> list[str]:
    return list(dash_pages(ids).values())


def text_of(response: TestResponse) -> str:
    """Everything a person could read from a response: headers, body, PDF text, spreadsheet cells and any
    file a Dash callback hands the browser."""
    data = response.get_data()
    parts = [str(response.headers), data.decode("utf-8", "replace")]
    parts += _unpacked(data)
    if response.is_json:
        parts += [t for blob in _downloads(response.get_json(silent=True)) for t in _unpacked(blob)]
    return "\n".join(parts).lower()


def _unpacked(data: bytes) -> list[str]:
    if data.startswith(b"%PDF"):
        return [_pdf_text(data)]
    if data.startswith(b"PK"):  # an .xlsx: its cells are in the XML members
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return [book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml")]
    return []


@functools.lru_cache(maxsize=64)
def _pdf_text(data: bytes) -> str:
    """A PDF's words and metadata (read once per document: several people download the same one)."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join([page.extract_text() or "" for page in reader.pages] + [str(reader.metadata or "")])


def _downloads(tree: object) -> Iterator[bytes]:
    """The files in a Dash response (dcc.Download data: base64 or plain content)."""
    if isinstance(tree, dict):
        if "content" in tree and "filename" in tree:
            content = str(tree["content"])
            try:
                yield base64.b64decode(content, validate=True) if tree.get("base64") else content.encode()
            except binascii.Error:
                yield content.encode()
        for value in tree.values():
            yield from _downloads(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _downloads(value)


def leaks(text: str, canaries: dict[str, str]) -> list[str]:
    """The canaries (and the field each stands for) found in a response's text."""
    return [f"{canary} ({field})" for canary, field in canaries.items() if canary.lower() in text]
