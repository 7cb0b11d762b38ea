"""Letters and certificates as PDF: an HTML page drawn with Jinja, laid out and printed by WeasyPrint.

Only the system's fonts are used (no web fonts or network), and the page's base URL is unset, so a
letter can never fetch anything while it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from weasyprint import HTML
from weasyprint.document import Document

from app.letters import merge
from app.letters.wording import CERTIFICATES, Text
from tenants.models import School


@dataclass(frozen=True)
class Page:
    """One letter as it is drawn: who it is from and to, and its filled-in wording."""

    school: School
    kind: str
    reference: str
    letter_date: str
    addressee: str
    address: list[str]
    text: Text  # filled in: no merge fields left
    signed_name: str
    signed_title: str
    generated_on: date


def fill(text: Text, values: dict[str, str]) -> Text:
    return Text(merge.fill(text.title, values), merge.fill(text.body, values))


def layout(page: Page) -> Document:
    """Lay out one letter (or certificate) as its own document, with its own page numbers."""
    html = render_template(
        "letters/certificate_pdf.html" if page.kind in CERTIFICATES else "letters/letter_pdf.html",
        page=page,
        paragraphs=merge.paragraphs(page.text.body),
    )
    return HTML(string=html, base_url=None).render()


def to_pdf(document: Document) -> bytes:
    return document.write_pdf()


def combined(documents: list[Document]) -> bytes:
    """Every letter in one PDF, in order, each starting on a new page: one print run for a batch."""
    return documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
