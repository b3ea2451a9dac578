"""Settings from `RXINTAKE_*` environment variables and a `.env` file in the working directory.

Every limit on untrusted input (bytes, pages, pixels, seconds) lives here with a sane default.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RXINTAKE_", env_file=".env", extra="ignore")

    # Mailbox (CONTRACT)
    imap_host: str | None = None
    imap_port: int = 993
    imap_ssl: bool = True
    imap_ca_file: Path | None = None
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Processed"
    imap_auth: str = Field(default="password", description="password | xoauth2")
    imap_oauth_token_command: str | None = Field(
        default=None, description="command printing an OAuth2 access token (XOAUTH2)")
    imap_idle_seconds: int = Field(default=600, description="IDLE is re-issued after this many seconds")
    imap_poll_seconds: int = Field(default=30, description="polling interval where IDLE is missing")

    # Service (CONTRACT)
    broker_url: str = "stub"
    database_url: str | None = None
    inbox_dir: Path | None = None
    data_dir: Path = Path("./rxintake-data")

    # Records
    database_connect_timeout: int = Field(default=5, description="seconds to wait for the database server")
    database_busy_timeout: float = Field(default=30.0, description="seconds SQLite waits for another writer")
    client_match_max_edits: int = Field(default=1, description="spelling slips tolerated in a name with the same DOB")
    client_match_min_length: int = Field(default=8, description="shortest first+last name length where slips are tolerated")

    # Rules
    rules_file: Path | None = None
    codes_file: Path | None = Field(default=None, description="an ICD-10-CM table loaded instead of the shipped one")

    # Limits on untrusted input
    max_message_bytes: int = 50 * 1024 * 1024
    max_document_bytes: int = 25 * 1024 * 1024
    max_pages: int = 30
    max_image_pixels: int = 60_000_000
    ocr_dpi: int = 300
    ocr_page_timeout: float = 60.0
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    ocr_min_confidence: float = 60.0
    ocr_reread_max_words: int = Field(default=40, description="words per page read under ocr_min_confidence "
                                      "that get a second look (cropped, read as one line); 0 turns it off")
    ocr_second_reader_below: float = Field(
        default=90.0, description="mean OCR confidence of a page under which a second reader (for handwriting) "
                                  "reads it too when its fields come out with gaps; its values fill only "
                                  "fields a check confirms; 0 turns it off")
    job_time_limit_seconds: int = 600

    # Background service (worker/)
    imap_timeout_seconds: float = Field(default=60.0, description="socket timeout of one IMAP command")
    imap_reconnect_max_seconds: float = Field(default=60.0, description="longest wait between reconnects")
    imap_fetch_batch: int = Field(default=20, description="messages fetched per IMAP command")
    inbox_settle_seconds: float = Field(
        default=1.0, description="a dropped file is read once its size stayed the same this long")
    worker_processes: int = Field(
        default=1, description="worker processes `run` starts with a real broker (0: threads inside `run`)")
    worker_threads: int = Field(default=2, description="threads per worker process")
    job_max_retries: int = Field(default=6, description="retries of a job after a transient fault")
    job_min_backoff_seconds: float = 1.0
    job_max_backoff_seconds: float = 30.0
    job_requeue_seconds: float = Field(
        default=900.0, description="a job neither filed nor failed after this long is sent again")
    redis_heartbeat_timeout_seconds: float = Field(
        default=20.0, description="a Redis worker silent this long is dead: its jobs go back to the queue")
    redis_maintenance_chance: int = Field(
        default=100_000, description="Redis commands per million that run the dead-worker check")
    redis_dead_message_ttl_seconds: int = 7 * 86400

    # Review web page (staff)
    review_host: str = Field(default="127.0.0.1", description="address the review page listens on")
    review_port: int = 8765
    review_secret_key: SecretStr | None = Field(
        default=None, description="signs session cookies; by default generated once and kept in the data dir")
    review_session_idle_minutes: int = Field(default=30, description="a session ends after this long unused")
    review_session_max_hours: int = Field(default=12, description="a session ends this long after login")
    review_cookie_secure: bool = Field(default=False, description="send cookies over HTTPS only (behind TLS)")
    review_login_max_failures: int = Field(default=5, description="failed logins before a name is locked")
    review_login_lock_minutes: int = 15
    review_page_size: int = 50
    review_page_dpi: int = Field(default=110, description="resolution of document pages shown to staff")
    renewal_days: int = Field(default=14, description="renewal needed when the end date is this close")
    renewal_visits_left: int = Field(default=2, description="renewal needed when this few visits remain")
    renewal_lookback_days: int = Field(default=60, description="expired this long ago still listed")
    clinic_name: str = "The clinic"
    clinic_address: str = ""
    clinic_phone: str = ""
    clinic_fax: str = ""

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rxintake.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
