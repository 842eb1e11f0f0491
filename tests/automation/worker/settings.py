"""Settings for a Celery worker process started by a test (see test_worker_crash.py): the
project's settings, with email written one file per message by a slow "mail server" and the
broker's keys under a prefix of the test's own."""

import os

from crm.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.automation.worker.mail.SlowFileBackend"
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ["CRM_TEST_BROKER_PREFIX"]}
CELERY_TASK_ALWAYS_EAGER = False
