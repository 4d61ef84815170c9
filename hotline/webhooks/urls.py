from django.urls import path

from hotline.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("v1/subscriptions", views.subscriptions, name="subscriptions"),
    path("v1/subscriptions/<int:pk>", views.subscription_detail, name="subscription"),
]
