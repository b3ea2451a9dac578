"""The extraction result, as the CONTRACT and schema/extraction.schema.json define it.

These models are the one shape shared by `extract`, the worker, the records and `export`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TextSource = Literal["text_layer", "ocr", "body", "none"]
Severity = Literal["error", "warning"]
Status = Literal["filed", "needs_review"]


class DocumentInfo(BaseModel):
    filename: str | None = None
    content_type: str
    sha256: str
    pages: int | None = None
    text_source: TextSource = "none"


class Source(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    path: str
    message_id: str | None = None
    from_: str | None = Field(default=None, alias="from")
    subject: str | None = None
    date: str | None = None
    documents: list[DocumentInfo] = Field(default_factory=list)


class Patient(BaseModel):
    name: str | None = None
    dob: date | None = None


class Diagnosis(BaseModel):
    code: str
    description: str | None = None


class Frequency(BaseModel):
    per_week: float | None = None
    weeks: float | None = None


class Prescriber(BaseModel):
    name: str | None = None
    npi: str | None = None


class Prescription(BaseModel):
    patient: Patient = Field(default_factory=Patient)
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    procedures: list[str] = Field(default_factory=list)
    visits: int | None = None
    frequency: Frequency | None = None
    written_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    prescriber: Prescriber = Field(default_factory=Prescriber)


class Alert(BaseModel):
    code: str
    severity: Severity
    field: str | None = None
    message: str


class Extraction(BaseModel):
    source: Source
    prescription: Prescription = Field(default_factory=Prescription)
    alerts: list[Alert] = Field(default_factory=list)
    status: Status = "needs_review"
    code_set: str | None = Field(default=None, description="the ICD-10-CM release the codes were checked against")
    payer: str | None = Field(default=None, description="the payer of the clinic's rules whose overrides applied "
                                                        "(the one the script's insurance line names)")

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)
