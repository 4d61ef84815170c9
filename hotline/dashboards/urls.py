from django.urls import path

from hotline.dashboards import views

urlpatterns = [
    path("", views.month_page, name="dashboard"),
    path("data.json", views.month_data, name="dashboard-data"),
    path("screen/", views.screen_page, name="dashboard-screen"),
    path("screen/data.json", views.screen_data, name="dashboard-screen-data"),
]
