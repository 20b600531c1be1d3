"""Log lines keep no personal number: "Not Found: /people/?q=610102199001011234" is written with the number masked."""

from __future__ import annotations

import logging

from gonghui.core.masking import scrubbed


class ScrubPersonalNumbers(logging.Filter):
    """Masks (through `core.masking.scrubbed`) every run of 7+ digits in a record's message before any handler
    writes it. Django's request logger puts the path in the message ("Not Found: %s"); the record's `request`
    attribute is dropped so that a handler formatting it cannot write the raw path either."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrubbed(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if hasattr(record, "request"):
            record.request = None
        return True
