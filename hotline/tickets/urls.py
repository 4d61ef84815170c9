from django.urls import path

from hotline.tickets import views

urlpatterns = [
    path("", views.home, name="home"),
]
