"""URLs of the queues area, mounted at /work/ (the exports live under /orders/, see `export_urls`)."""

from django.urls import path

from hotline.workbench.queues import views

urlpatterns = [
    path("dispatch/", views.dispatch_queue, name="queue-dispatch"),
    path("inbox/", views.inbox_queue, name="queue-inbox"),
    path("review/", views.review_queue, name="queue-review"),
    path("approvals/", views.approvals_queue, name="queue-approvals"),
    path("visits/", views.visits_queue, name="queue-visits"),
    path("supervision/", views.supervision_board, name="supervision"),
    path("bulk/", views.bulk_action, name="bulk-action"),
]
