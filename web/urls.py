from django.urls import path

from web.views import health, home, profile

app_name = "web"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", home.HomeView.as_view(), name="home"),
    path("accounts/profile/", profile.ProfileView.as_view(), name="profile"),
]
