"""Label Studio's own settings, with the files it saves closed to other users.

Django gives every file saved through its storage (exports, uploads) mode 0644,
whatever the process umask, unless FILE_UPLOAD_PERMISSIONS says otherwise; Label
Studio sets neither that nor FILE_UPLOAD_DIRECTORY_PERMISSIONS, and reads neither
from the environment. The local server's app processes run with this module as
DJANGO_SETTINGS_MODULE (its folder on PYTHONPATH; newsclaims never imports it).

Label Studio's settings file is run here rather than imported: half-way through it
reads `django.conf.settings` (this module) for names it has just set, so they must be
made in this module's namespace.
"""

import importlib.util

_SPEC = importlib.util.find_spec("label_studio.core.settings.label_studio")
if _SPEC is None or _SPEC.origin is None:
    raise ImportError("Label Studio's settings module is not in this environment")
_SOURCE = _SPEC.origin
with open(_SOURCE, encoding="utf-8") as _settings_file:
    exec(compile(_settings_file.read(), _SOURCE, "exec"))

FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
