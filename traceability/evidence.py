"""Which kind of file a scanned certificate is, judged by its first bytes (pure).

The declared type and the file name are the sender's claims; the leading "magic" bytes are what
a viewer will actually parse, so only they decide.
"""

from __future__ import annotations

import io

__all__ = [
    "ACCEPTED",
    "EXTENSIONS",
    "MAX_PREVIEW_PAGES",
    "RECORD_EVIDENCE_TYPES",
    "pdf_pages",
    "render_pdf_page",
    "sniff",
]

#: Pages of a scanned PDF drawn for the auditor; a certificate is one or two pages, a longer file is read offline.
MAX_PREVIEW_PAGES = 4

#: Accepted media types and the signature each file of that kind starts with.
ACCEPTED: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def sniff(content: bytes) -> str | None:
    """The accepted media type `content` is, or None when it is none of them."""
    for media_type, signatures in ACCEPTED.items():
        if content.startswith(signatures):
            return media_type
    return None


def pdf_pages(content: bytes) -> int:
    """How many pages of a PDF scan are drawn (0 when the file cannot be read as a PDF)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return 0
    try:
        return min(len(document), MAX_PREVIEW_PAGES)
    finally:
        document.close()


def render_pdf_page(content: bytes, page: int, *, width: int = 1100) -> bytes | None:
    """One page of a PDF scan as a PNG about `width` pixels wide, so a browser shows it as an image beside the
    record (no PDF viewer, no script of the file's, nothing the CSP would have to allow). None when there is no
    such page or the file cannot be read."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return None
    try:
        if not 0 <= page < min(len(document), MAX_PREVIEW_PAGES):
            return None
        sheet = document[page]
        points = sheet.get_width() or 595
        scale = max(0.5, min(3.0, width / points))
        image = sheet.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()


#: What a file attached to a lot, step or the business's SJPH records may be (a material's documents use the
#: dossier's evidence types). The values are stored; pages show them in words.
RECORD_EVIDENCE_TYPES: dict[str, tuple[str, ...]] = {
    "lot": ("lab_test", "source_statement", "delivery_note", "photo"),
    "step": ("photo", "cleaning_record", "lab_test"),
    "business": ("sjph_training", "sjph_internal_audit", "sjph_management_review", "sjph_manual", "photo"),
}
