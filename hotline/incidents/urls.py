"""URLs of incidents (突发事件与临时口径), mounted at /incidents/."""

from django.urls import path

from hotline.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("match/", views.match, name="match"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/<slug:step>/", views.incident_step, name="step"),
]
