from django.urls import path

from hotline.planning import views

urlpatterns = [
    path("", views.planner, name="planner"),
]
