"""Every user-facing text, in Russian, by audience. Messages are HTML: citizen text goes through `esc`.

`from bot import texts; texts.X` finds every name of the modules below; a new text goes to the module of
its audience: common (formats, names every audience shares), cards (a case's card, buttons, prompts, errors),
notices (what the bot sends on its own to another chat), reports (reports, KPIs, digests, XLSX), admin
(onboarding, operators, departments, officials, the calendar commands), console (backups, restore, start-up
checks, settings, the command line). Platform names are data: bot/data/platforms.json.
"""

from .admin import *  # noqa: F403
from .cards import *  # noqa: F403
from .common import *  # noqa: F403
from .console import *  # noqa: F403
from .notices import *  # noqa: F403
from .reports import *  # noqa: F403
