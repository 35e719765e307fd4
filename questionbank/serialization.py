"""Django's JSON serialization, keeping times to the microsecond.

Django's encoder cuts datetimes to milliseconds, so a backup restored from
`dumpdata` would not be exact. Installed for the "json" format through
SERIALIZATION_MODULES; everything else is Django's own.
"""

import datetime

from django.core.serializers.json import (  # noqa: F401  (the module's interface)
    Deserializer,
    DjangoJSONEncoder,
)
from django.core.serializers.json import Serializer as DjangoSerializer


class PreciseJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            value = o.isoformat()
            return value[:-6] + "Z" if value.endswith("+00:00") else value
        return super().default(o)


class Serializer(DjangoSerializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder
