"""URLs of the queues area (placeholder until its pages land)."""

urlpatterns: list = []
