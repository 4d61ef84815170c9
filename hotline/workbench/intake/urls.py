"""URLs of the intake area, mounted at /work/intake/."""

from django.urls import path

from hotline.workbench.intake import views

urlpatterns = [
    path("", views.intake, name="intake"),
    path("caller/", views.caller, name="intake-caller"),
    path("categories/", views.categories, name="intake-categories"),
    path("areas/", views.area_options, name="intake-areas"),
    path("orders/<str:number>/<str:action>/", views.follow_up, name="intake-follow-up"),
]
