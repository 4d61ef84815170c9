"""URLs of the indicator pages, mounted at /kpis/."""

from django.urls import path

from hotline.kpis import views

urlpatterns = [
    path("", views.dashboard, name="kpis"),
    path("orders/", views.drill, name="kpis-orders"),
    path("assessment/", views.assessment, name="kpis-assessment"),
    path("bulletin/", views.bulletin, name="kpis-bulletin"),
    path("bulletin/publish/", views.bulletin_publish, name="kpis-bulletin-publish"),
    path("bulletin/<str:month>/<int:edition>/<str:fmt>/", views.bulletin_file, name="kpis-bulletin-file"),
]
