from django.urls import path

from hotline.replyqa import views

urlpatterns = [
    path("", views.review_list, name="replyqa-list"),
    path("units/", views.unit_summary, name="replyqa-units"),
]
