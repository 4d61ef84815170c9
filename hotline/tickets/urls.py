"""Pages of the work-order UI."""

from django.urls import path

from hotline.tickets import views

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order-detail"),
    path("orders/<str:number>/reveal-caller/", views.reveal_caller, name="order-reveal-caller"),  # 联系群众
]
