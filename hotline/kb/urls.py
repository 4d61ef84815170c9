"""URLs of the knowledge base, mounted at /kb/."""

from django.urls import path

from hotline.kb import views

app_name = "kb"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("suggest/", views.suggest, name="suggest"),
    path("faq/", views.faq, name="faq"),
    path("faq/<str:code>/", views.faq_article, name="faq-article"),
    path("answer/<str:number>/", views.answer, name="answer"),
    path("articles/<str:code>/", views.article_detail, name="article"),
]
