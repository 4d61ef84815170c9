"""Sign in and sign out, with Django's own views and the project's templates."""

from django.contrib.auth import views as auth_views
from django.urls import path

from hotline.accounts.lockout import LockoutAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                                authentication_form=LockoutAuthenticationForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
