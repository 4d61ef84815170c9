"""URLs of second visits, mounted at /revisits/."""

from django.urls import path

from hotline.revisits import views

urlpatterns = [
    path("", views.queue, name="revisits"),
    path("<int:pk>/", views.record, name="revisit-record"),
]
