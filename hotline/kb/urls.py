"""URLs of the knowledge base, mounted at /kb/."""

from django.urls import path

from hotline.kb import review_views, views

app_name = "kb"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("suggest/", views.suggest, name="suggest"),
    path("faq/", views.faq, name="faq"),
    path("faq/<str:code>/", views.faq_article, name="faq-article"),
    path("answer/<str:number>/", views.answer, name="answer"),
    path("articles/<str:code>/", views.article_detail, name="article"),
    path("articles/<str:code>/feedback/", review_views.report, name="feedback"),
    path("review/", review_views.review_page, name="review"),
    path("review/feedback/<int:pk>/", review_views.resolve, name="feedback-resolve"),
]
