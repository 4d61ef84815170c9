from django.urls import path

from hotline.hotspots import views

urlpatterns = [
    path("", views.weekly, name="hotspots-weekly"),
    path("seasonal/", views.seasonal, name="hotspots-seasonal"),
    path("monthly/", views.monthly, name="hotspots-monthly"),
    path("<int:pk>/", views.detail, name="hotspot-detail"),
]
