"""URLs of quality inspection (坐席工单质检), mounted at /inspection/."""

from django.urls import path

from hotline.inspection import views

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("draw/", views.draw, name="inspection-draw"),
    path("mine/", views.mine, name="inspection-mine"),
    path("report/", views.report, name="inspection-report"),
    path("performance/", views.performance, name="inspection-performance"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
]
