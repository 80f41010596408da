"""The download index's body (/api/v1/downloads), documented in the OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel


class DownloadTable(BaseModel):
    id: str
    title: str
    description: str


class DownloadFile(BaseModel):
    name: str
    href: str
    type: str
    format: str
    tables: list[DownloadTable]


class DownloadIndex(BaseModel):
    license: str
    credits: str
    files: list[DownloadFile]
