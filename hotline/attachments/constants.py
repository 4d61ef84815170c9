"""Upload limits."""

MAX_BYTES = {"image": 10 * 1024 * 1024, "audio": 20 * 1024 * 1024, "video": 50 * 1024 * 1024}
MAX_FILES_PER_UPLOAD = 5
