"""URLs of caller profiles, mounted at /callers/."""

from django.urls import path

from hotline.callers import views

urlpatterns = [
    path("", views.profile_list, name="caller-list"),
    path("p/<int:pk>/", views.profile_by_id, name="caller-profile-id"),
    path("<str:phone>/", views.profile_page, name="caller-profile"),
]
