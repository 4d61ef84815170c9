"""URLs of caller profiles, mounted at /callers/. No link carries a caller's number (docs/callers.md)."""

from django.urls import path

from hotline.callers import views

urlpatterns = [
    path("", views.profile_list, name="caller-list"),
    path("p/<int:pk>/", views.profile_by_id, name="caller-profile-id"),
    path("order/<str:number>/", views.profile_by_order, name="caller-order"),
    path("open/", views.profile_open, name="caller-open"),
    path("save/", views.profile_save, name="caller-save"),
    # The old address by number, for bookmarks: redirected to p/<id>/ where it can (no link renders it).
    path("<str:phone>/", views.profile_page, name="caller-profile"),
]
