"""Every user-facing text, in Russian, by audience. Messages are HTML: citizen text goes through `esc`.

`from bot import texts; texts.X` finds every name of the modules below.
"""

from .admin import *  # noqa: F403
from .cards import *  # noqa: F403
from .common import *  # noqa: F403
from .console import *  # noqa: F403
from .notices import *  # noqa: F403
from .reports import *  # noqa: F403
