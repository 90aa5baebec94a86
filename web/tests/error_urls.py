"""The project's URLconf plus views that fail, for the error-page tests
(``@pytest.mark.urls("web.tests.error_urls")``)."""

from django.urls import path

from accounts.models import User
from project import urls as project_urls


def fails(request):
    raise RuntimeError("A deliberate failure, to render the 500 page")


def queries_the_database(request):
    # With the database unreachable this raises OperationalError.
    return User.objects.count()


urlpatterns = [
    path("__fail__/", fails),
    path("__fail__/database/", queries_the_database),
    *project_urls.urlpatterns,
]

# Django looks the error handlers up on the root URLconf.
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
