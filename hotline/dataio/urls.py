"""URLs of data exports and import runs, mounted at /data/."""

from django.urls import path

from hotline.dataio import views

urlpatterns = [
    path("export/", views.export_page, name="data-export"),
    path("imports/", views.import_runs, name="data-imports"),
    path("imports/<int:pk>/", views.import_run, name="data-import"),
    path("imports/<int:pk>/warnings.csv", views.import_run_warnings, name="data-import-warnings"),
]
