import os

from django.core.wsgi import get_wsgi_application

from project.stackroom import with_stack_room

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

application = with_stack_room(get_wsgi_application())
