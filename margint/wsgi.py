from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "margint.settings")

application = get_wsgi_application()

# The garbage collector's full passes walk every live container. A worker keeps large reads
# between requests (the v1 window sums, margin tables: tens of thousands of tuples), and with
# the default thresholds a 10,000-row API request paid a full pass over them every few requests
# (up to 100 ms). The modules loaded above live as long as the process: `freeze` leaves them out
# of every pass, and collecting the youngest generation every 50,000 allocations instead of 700
# makes the passes rarer; reference counting still frees everything that is not in a cycle at once.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
