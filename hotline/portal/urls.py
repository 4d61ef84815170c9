"""URLs of the citizen portal, mounted at /portal/."""

from django.urls import path

from hotline.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("praise/", views.praise, name="praise"),
    path("submitted/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/chase/", views.chase, name="chase"),
    path("track/result/", views.tracked, name="tracked"),
    path("rate/<str:token>/", views.rate, name="rate"),
]
