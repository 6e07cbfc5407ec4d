"""The interview simulator: FastAPI pages and JSON API over storage and the analysis queue."""
