from django.urls import path

from hotline.interop import views

app_name = "interop"

urlpatterns = [
    path("v1/transfers", views.transfers, name="transfers"),
    path("v1/acks", views.acks, name="acks"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/<str:code>/", views.partner_log, name="log"),
]
