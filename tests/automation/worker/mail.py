"""A mail server stand-in for worker-crash tests: each message takes a moment (like an SMTP
round trip) and is then written atomically to its own file in CRM_TEST_MAIL_DIR, so a killed
worker leaves whole messages or none. With CRM_TEST_MAIL_HANG_AT=k the k-th message of this
process hangs mid-send (after writing a `hanging` marker), for the test to kill the worker there.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

_sent_in_this_process = 0


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        global _sent_in_this_process
        folder = Path(os.environ["CRM_TEST_MAIL_DIR"])
        delay = float(os.environ.get("CRM_TEST_MAIL_DELAY", "0.02"))
        hang_at = int(os.environ.get("CRM_TEST_MAIL_HANG_AT", "0"))
        for message in email_messages:
            _sent_in_this_process += 1
            if _sent_in_this_process == hang_at:
                (folder / "hanging").write_text(str(os.getpid()))
                time.sleep(600)
            time.sleep(delay)
            name = uuid.uuid4().hex
            partial = folder / f"{name}.part"
            partial.write_bytes(message.message().as_bytes())
            os.replace(partial, folder / f"{name}.eml")
        return len(email_messages)
