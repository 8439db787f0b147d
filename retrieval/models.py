"""Pydantic models shared by the retrieval modules and their callers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Document(BaseModel):
    """One loaded source file, already converted to Markdown-like text."""

    source: str = Field(description="path relative to the ingest root (the file name for a single file)")
    root: str = Field(description="absolute ingest root this document was found under")
    title: str
    url: str | None = None
    text: str
    doc_hash: str


class Chunk(BaseModel):
    """A piece of a document small enough for the embedder's window."""

    text: str
    heading: str = Field(default="", description="heading path, ' > '-joined")
    chunk_index: int = 0


class SearchHit(BaseModel):
    id: str
    source: str
    title: str
    heading: str
    text: str
    score: float
    url: str | None = None
    chunk_index: int = 0
    also_in: list[str] = Field(
        default_factory=list, description="other sources holding a near-identical passage (retrieval.dedupe)"
    )


class IngestSummary(BaseModel):
    collection: str
    tenant: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    chunks: int = Field(default=0, description="chunks embedded and written by this run")
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.collection}/{self.tenant}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {self.skipped} skipped; "
            f"{self.chunks} chunks in {self.seconds:.1f}s"
        )
