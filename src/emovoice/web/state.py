"""What a running app holds: its settings, database and job queue."""

from __future__ import annotations

from dataclasses import dataclass

from emovoice.jobs.queue import Jobs
from emovoice.settings import Settings
from emovoice.storage.db import Database


@dataclass
class AppState:
    settings: Settings
    database: Database
    jobs: Jobs
