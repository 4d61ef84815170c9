"""URLs of caller profiles, mounted at /callers/."""

from django.urls import path

from hotline.callers import views

urlpatterns = [
    path("<str:phone>/", views.profile_page, name="caller-profile"),
]
