"""URLs of the order-list exports; meant to be included at the site root as /orders/export.csv|xlsx."""

from django.urls import path

from hotline.workbench.queues import views

urlpatterns = [
    path("export.csv", views.export_csv, name="orders-export-csv"),
    path("export.xlsx", views.export_xlsx, name="orders-export-xlsx"),
]
