"""Upload limits."""

MAX_BYTES = {"image": 10 * 1024 * 1024, "audio": 20 * 1024 * 1024, "video": 50 * 1024 * 1024}
MAX_FILES_PER_UPLOAD = 5

#: The types every current browser shows in the page (图片 opened inline); any other file, HEIC/HEIF photos
#: included (only Safari shows them), is served as a download.
SHOWN_INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
