"""URLs of the intake area (placeholder until its pages land)."""

urlpatterns: list = []
