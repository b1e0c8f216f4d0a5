import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with keys that cannot read the data.
from groundswell.core.keycheck import refuse_unless_keys_fit  # noqa: E402

refuse_unless_keys_fit()
