"""URLs of proactive governance (每月一题), mounted at /governance/."""

from django.urls import path

from hotline.governance import views

urlpatterns = [
    path("", views.theme_list, name="governance"),
    path("new/", views.theme_new, name="governance-new"),
    path("<int:pk>/", views.theme_detail, name="governance-detail"),
    path("<int:pk>/act/<str:action>/", views.theme_act, name="governance-act"),
]
